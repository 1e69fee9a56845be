package storage

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

const crashEnv = "ISOLA_STORAGE_CRASH_CHILD"

// TestCrash_child is the child half of TestCrash: it commits numbered
// writes to several objects concurrently and prints "ack <object> <n>"
// after each Commit returns, until it is killed.
func TestCrash_child(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("run by TestCrash")
	}
	root, mode, _ := strings.Cut(spec, ",")
	s, err := OpenStore(root, StoreOptions{MaxOpen: 3, DB: Options{CaptureChanges: mode == "capture"}})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for o := range crashObjects {
		wg.Go(func() {
			for n := 1; ; n++ {
				db, err := s.Acquire("ns", strconv.Itoa(o))
				if err == nil {
					err = db.Put([]Entry{{fmt.Sprintf("k%06d", n), []byte(strconv.Itoa(n))}})
				}
				if err == nil {
					_, err = db.Exec("CREATE TABLE IF NOT EXISTS log (n INTEGER PRIMARY KEY, pad BLOB); INSERT INTO log VALUES (?, randomblob(200))", []Value{int64(n)})
				}
				if err == nil {
					_, err = db.Commit()
				}
				if db != nil {
					s.Release(db)
				}
				mu.Lock()
				if err != nil {
					fmt.Println("error", err)
					os.Exit(1)
				}
				fmt.Printf("ack %d %d\n", o, n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

const crashObjects = 6

// TestCrash kills a process that is committing with SIGKILL mid-run,
// reopens every database and checks that each is intact and holds every
// write whose Commit had returned.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, mode := range []string{"capture", "nocapture"} {
		t.Run(mode, func(t *testing.T) {
			root := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrash_child$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashEnv+"="+root+","+mode)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			acked := map[int]int{} // object -> highest acknowledged n
			total := 0
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				line := sc.Text()
				if strings.HasPrefix(line, "error") {
					t.Fatalf("child: %s", line)
				}
				var o, n int
				if _, err := fmt.Sscanf(line, "ack %d %d", &o, &n); err != nil {
					continue
				}
				acked[o] = max(acked[o], n)
				total++
				if total == 400 {
					cmd.Process.Signal(syscall.SIGKILL)
				}
			}
			cmd.Wait()
			if total < 400 {
				t.Fatalf("child acknowledged only %d writes", total)
			}

			s, err := OpenStore(root, StoreOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for o := range crashObjects {
				db, err := s.Acquire("ns", strconv.Itoa(o))
				if err != nil {
					t.Fatal(err)
				}
				if err := db.IntegrityCheck(); err != nil {
					t.Errorf("object %d: %v", o, err)
				}
				if acked[o] > 0 {
					c := mustExec(t, db, "SELECT count(*), max(n) FROM log WHERE n <= ?", int64(acked[o]))
					row := c.Rows()[0]
					if row[0] != int64(acked[o]) || row[1] != int64(acked[o]) {
						t.Errorf("object %d: log has %v rows up to %v; want all %d acknowledged", o, row[0], row[1], acked[o])
					}
					kv, _ := db.List(ListOptions{End: fmt.Sprintf("k%06d", acked[o]+1)})
					if len(kv) != acked[o] {
						t.Errorf("object %d: %d KV entries; want %d acknowledged", o, len(kv), acked[o])
					}
				}
				db.Rollback()
				s.Release(db)
			}
			t.Logf("%d acknowledged writes, all present", total)
		})
	}
}
