package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/isola-run/isola/conformance/harness"
)

var (
	update   = flag.Bool("update", false, "write RESULTS.md and drop entries of expectations.json that now match")
	accept   = flag.Bool("accept", false, "add every unlisted difference to expectations.json (bootstrapping only: the file should only shrink)")
	useIsola = flag.Bool("isola", true, "compare isola with workerd; false compares two workerd processes instead, to check that the cases are deterministic")
	only     = flag.String("case", "", "run only the cases whose name matches this regexp")
	dump     = flag.Bool("dump", false, "log every workerd response, and the other runtime's when it differs (with -v)")
	parallel = flag.Int("parallel-cases", 4, "how many cases run at once")
	isolaBin = flag.String("isola-bin", "", "use this isola binary instead of building ./cmd/isola")
)

const (
	casesDir         = "cases"
	expectationsFile = "expectations.json"
	resultsFile      = "RESULTS.md"
	requestHost      = "conformance.test" // Host of every request, so request.url is the same on both sides
	requestTimeout   = 20 * time.Second
	caseTimeout      = 90 * time.Second
)

// testCase is one folder under cases/: worker.js and case.json.
type testCase struct {
	Name               string                     `json:"-"`
	Dir                string                     `json:"-"`
	API                string                     `json:"api"`         // row of the compatibility table
	Description        string                     `json:"description"` // what the case shows
	CompatibilityDate  string                     `json:"compatibility_date"`
	CompatibilityFlags []string                   `json:"compatibility_flags"`
	Vars               map[string]json.RawMessage `json:"vars"`
	Modules            []string                   `json:"modules"` // further modules beside worker.js
	// DurableObjects binds SQLite-backed Durable Object classes exported by
	// worker.js. Requests run in order on one server per runtime, so an
	// object's state carries from one request to the next.
	DurableObjects []harness.DurableObject `json:"durable_objects"`
	Requests       []caseRequest           `json:"requests"`
}

type caseRequest struct {
	Method        string            `json:"method"` // default GET
	Path          string            `json:"path"`   // default "/"
	Headers       map[string]string `json:"headers"`
	Body          string            `json:"body"`
	ExpectHeaders []string          `json:"expect_headers"` // response headers compared
	// ExpectStatus, if set, is the status workerd must answer; otherwise
	// any status below 500 is taken as a case that works.
	ExpectStatus int `json:"expect_status"`
	// IgnoreBody compares status and headers only (error pages differ).
	IgnoreBody bool `json:"ignore_body"`
}

func (r caseRequest) method() string {
	if r.Method == "" {
		return "GET"
	}
	return strings.ToUpper(r.Method)
}

func (r caseRequest) path() string {
	if r.Path == "" {
		return "/"
	}
	return r.Path
}

// response is what one runtime answered to one request.
type response struct {
	Status  int
	Headers map[string][]string // only the compared ones, lower-case names
	Body    []byte
	Err     error // no response at all
}

type outcome int

const (
	matched   outcome = iota
	differing         // both answered, differently
	failing           // isola gave no answer (did not start, or the request failed)
)

// requestResult is the comparison of one request.
type requestResult struct {
	Key      string // "case/index"
	Ref, Got response
	Outcome  outcome
	Diff     string // why it differs; "" when matched
}

type caseResult struct {
	Case     *testCase
	Broken   error // the case does not work on workerd: a bug in the case
	Requests []requestResult
	Took     time.Duration
}

func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("conformance: skipped in -short mode (starts two runtimes per case)")
	}
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	workerd, err := harness.FindWorkerd(root)
	if err != nil {
		t.Skipf("conformance: skipped, workerd is not installed (run `npm ci` at the repo root): %v", err)
	}
	cases := loadCases(t)
	expect := loadExpectations(t)

	ctx := context.Background()
	var other string // binary compared with workerd
	if *useIsola && *isolaBin != "" {
		other = *isolaBin
	} else if *useIsola {
		other = filepath.Join(t.TempDir(), "isola")
		start := time.Now()
		if err := harness.BuildIsola(ctx, root, other); err != nil {
			t.Fatalf("conformance: isola cannot be built: %v", err)
		}
		t.Logf("built isola in %v", time.Since(start).Round(time.Millisecond))
	}

	start := time.Now()
	results := runCases(t, cases, workerd, other)
	t.Logf("ran %d cases in %v", len(cases), time.Since(start).Round(time.Millisecond))

	for _, r := range results {
		t.Run(r.Case.Name, func(t *testing.T) {
			t.Logf("took %v", r.Took.Round(time.Millisecond))
			if r.Broken != nil {
				t.Fatalf("case does not work on workerd (fix the case): %v", r.Broken)
			}
			for _, rr := range r.Requests {
				if *dump {
					t.Logf("%s: workerd %d %v %q", rr.Key, rr.Ref.Status, rr.Ref.Headers, rr.Ref.Body)
					if rr.Outcome != matched {
						t.Logf("%s: other   %d %v %q", rr.Key, rr.Got.Status, rr.Got.Headers, rr.Got.Body)
					}
				}
				if !*useIsola {
					if rr.Outcome != matched {
						t.Errorf("%s: two workerd runs differ, the case is not deterministic: %s", rr.Key, rr.Diff)
					}
					continue
				}
				reason, listed := expect[rr.Key]
				switch {
				case rr.Outcome != matched && !listed && !*accept:
					t.Errorf("%s: isola differs from workerd (fix isola, or list it in %s with a reason): %s", rr.Key, expectationsFile, rr.Diff)
				case rr.Outcome != matched && listed:
					t.Logf("%s: known difference (%s): %s", rr.Key, reason, firstLine(rr.Diff, 300))
				case rr.Outcome == matched && listed && !isFlaky(reason) && !*update:
					t.Errorf("%s: now matches workerd: remove it from %s (or run with -update)", rr.Key, expectationsFile)
				}
			}
		})
	}
	if !*useIsola {
		if *update || *accept {
			t.Log("conformance: -update and -accept need -isola=true; nothing written")
		}
		return
	}

	keys := map[string]bool{}
	for _, r := range results {
		for _, rr := range r.Requests {
			keys[rr.Key] = true
		}
	}
	if *only == "" {
		for k := range expect {
			if !keys[k] {
				t.Errorf("%s: listed in %s but no such case request: remove it", k, expectationsFile)
			}
		}
	}
	if *update || *accept {
		next := map[string]string{}
		for _, r := range results {
			for _, rr := range r.Requests {
				if reason, ok := expect[rr.Key]; ok && (rr.Outcome != matched || isFlaky(reason)) {
					next[rr.Key] = reason
				} else if *accept && rr.Outcome != matched {
					next[rr.Key] = "seeded: " + firstLine(rr.Diff, 160)
				}
			}
		}
		if *only != "" { // keep what was not run
			for k, v := range expect {
				if !keys[k] {
					next[k] = v
				}
			}
		}
		writeExpectations(t, next)
		expect = next
	}
	if *update {
		if *only != "" {
			t.Log("conformance: RESULTS.md is written only when every case ran (no -case)")
			return
		}
		versions := map[string]string{
			"workerd": harness.Version(ctx, workerd, "--version"),
			"isola":   harness.Version(ctx, other, "version") + " (" + harness.GitRevision(ctx, root) + ")",
		}
		if err := os.WriteFile(resultsFile, renderResults(results, expect, versions, time.Now().UTC()), 0o644); err != nil {
			t.Fatalf("conformance: write %s: %v", resultsFile, err)
		}
	}
}

// isFlaky reports whether an expectation's reason marks a difference that
// comes and goes ("flaky: ..."): such a request may match or differ.
func isFlaky(reason string) bool { return strings.HasPrefix(reason, "flaky:") }

// runCases runs every case, at most *parallel at a time, and returns the
// results in the cases' order.
func runCases(t *testing.T, cases []*testCase, workerd, isola string) []caseResult {
	t.Helper()
	results := make([]caseResult, len(cases))
	sem := make(chan struct{}, max(1, *parallel))
	var wg sync.WaitGroup
	base := t.TempDir()
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
			defer cancel()
			start := time.Now()
			results[i] = runCase(ctx, c, filepath.Join(base, c.Name), workerd, isola)
			results[i].Took = time.Since(start)
		}()
	}
	wg.Wait()
	return results
}

func runCase(ctx context.Context, c *testCase, dir, workerdBin, isolaBin string) caseResult {
	res := caseResult{Case: c}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		res.Broken = err
		return res
	}
	w, err := harness.Worker{
		Name:               c.Name,
		Dir:                c.Dir,
		Main:               "worker.js",
		Modules:            c.Modules,
		CompatibilityDate:  c.CompatibilityDate,
		CompatibilityFlags: c.CompatibilityFlags,
		Vars:               c.Vars,
		DurableObjects:     c.DurableObjects,
	}.Prepare(dir)
	if err != nil {
		res.Broken = err
		return res
	}
	ref, err := harness.StartWorkerd(ctx, workerdBin, w, "--verbose")
	if err != nil {
		res.Broken = err
		return res
	}
	defer ref.Close()

	var other *harness.Server
	var startErr error
	if isolaBin != "" {
		other, startErr = harness.StartIsola(ctx, isolaBin, w)
	} else {
		other, startErr = harness.StartWorkerd(ctx, workerdBin, w, "--verbose")
	}
	if startErr == nil {
		defer other.Close()
	}

	refClient, otherClient := newClient(), newClient()
	defer refClient.CloseIdleConnections()
	defer otherClient.CloseIdleConnections()
	for i, req := range c.Requests {
		rr := requestResult{Key: fmt.Sprintf("%s/%d", c.Name, i)}
		rr.Ref = send(ctx, refClient, ref.URL, req)
		if rr.Ref.Err != nil {
			res.Broken = fmt.Errorf("%s: %w; workerd output:\n%s", rr.Key, rr.Ref.Err, ref.Output())
			return res
		}
		if req.ExpectStatus != 0 && rr.Ref.Status != req.ExpectStatus || req.ExpectStatus == 0 && rr.Ref.Status >= 500 {
			res.Broken = fmt.Errorf("%s: workerd answered %d %q; workerd output:\n%s", rr.Key, rr.Ref.Status, rr.Ref.Body, ref.Output())
			return res
		}
		if startErr != nil {
			rr.Got = response{Err: startErr}
		} else {
			rr.Got = send(ctx, otherClient, other.URL, req)
		}
		rr.Outcome, rr.Diff = compare(req, rr.Ref, rr.Got)
		if rr.Got.Err != nil && other != nil {
			rr.Diff += "\noutput:\n" + lastLines(other.Output(), 20)
		}
		res.Requests = append(res.Requests, rr)
	}
	return res
}

func newClient() *http.Client {
	return &http.Client{
		Timeout:   requestTimeout,
		Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1},
		// Redirect responses are compared as they are, not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func send(ctx context.Context, client *http.Client, base string, r caseRequest) response {
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method(), base+r.path(), body)
	if err != nil {
		return response{Err: fmt.Errorf("build request: %w", err)}
	}
	req.Host = requestHost
	req.Header.Set("User-Agent", "isola-conformance")
	for k, v := range r.Headers {
		if strings.EqualFold(k, "host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{Err: fmt.Errorf("read body: %w", err)}
	}
	out := response{Status: resp.StatusCode, Body: b, Headers: map[string][]string{}}
	for _, h := range r.ExpectHeaders {
		out.Headers[strings.ToLower(h)] = resp.Header.Values(h)
	}
	return out
}

// compare says whether got matches ref for request r, and if not, how.
func compare(r caseRequest, ref, got response) (outcome, string) {
	if got.Err != nil {
		return failing, "isola: " + got.Err.Error()
	}
	var diffs []string
	if ref.Status != got.Status {
		diffs = append(diffs, fmt.Sprintf("status %d, want %d", got.Status, ref.Status))
	}
	for _, h := range r.ExpectHeaders {
		h = strings.ToLower(h)
		if a, b := ref.Headers[h], got.Headers[h]; strings.Join(a, "\n") != strings.Join(b, "\n") || len(a) != len(b) {
			diffs = append(diffs, fmt.Sprintf("header %s %q, want %q", h, b, a))
		}
	}
	if !r.IgnoreBody && !bytes.Equal(ref.Body, got.Body) {
		diffs = append(diffs, bodyDiff(got.Body, ref.Body))
	}
	if len(diffs) == 0 {
		return matched, ""
	}
	return differing, strings.Join(diffs, "; ")
}

// bodyDiff describes how got differs from want: whole bodies when short,
// otherwise the neighbourhood of the first differing byte.
func bodyDiff(got, want []byte) string {
	const short, around = 200, 60
	if len(got) <= short && len(want) <= short {
		return fmt.Sprintf("body %q, want %q", got, want)
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-around)
	window := func(b []byte) string {
		end := min(len(b), i+around)
		if from >= end {
			return `""`
		}
		return fmt.Sprintf("%q", b[from:end])
	}
	return fmt.Sprintf("body differs at byte %d (of %d, want %d): …%s…, want …%s…", i, len(got), len(want), window(got), window(want))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func loadCases(t *testing.T) []*testCase {
	t.Helper()
	var filter *regexp.Regexp
	if *only != "" {
		var err error
		if filter, err = regexp.Compile(*only); err != nil {
			t.Fatalf("conformance: -case: %v", err)
		}
	}
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	var cases []*testCase
	for _, e := range entries {
		if !e.IsDir() || filter != nil && !filter.MatchString(e.Name()) {
			continue
		}
		dir := filepath.Join(casesDir, e.Name())
		data, err := os.ReadFile(filepath.Join(dir, "case.json"))
		if err != nil {
			t.Fatalf("conformance: case %s: %v", e.Name(), err)
		}
		c := &testCase{Name: e.Name(), Dir: dir}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c); err != nil {
			t.Fatalf("conformance: case %s: case.json: %v", e.Name(), err)
		}
		if len(c.Requests) == 0 {
			t.Fatalf("conformance: case %s: no requests", e.Name())
		}
		if c.API == "" {
			t.Fatalf("conformance: case %s: case.json has no \"api\"", e.Name())
		}
		if _, err := os.Stat(filepath.Join(dir, "worker.js")); err != nil {
			t.Fatalf("conformance: case %s: %v", e.Name(), err)
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		t.Fatalf("conformance: no cases in %s match %q", casesDir, *only)
	}
	return cases
}

func loadExpectations(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(expectationsFile)
	if os.IsNotExist(err) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("conformance: %s: %v", expectationsFile, err)
	}
	return m
}

func writeExpectations(t *testing.T, m map[string]string) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil { // map keys come out sorted
		t.Fatalf("conformance: %v", err)
	}
	if err := os.WriteFile(expectationsFile, b.Bytes(), 0o644); err != nil {
		t.Fatalf("conformance: write %s: %v", expectationsFile, err)
	}
}

// renderResults writes RESULTS.md: counts, the compatibility table (API ->
// status, from which cases match) and the known differences.
func renderResults(results []caseResult, expect map[string]string, versions map[string]string, now time.Time) []byte {
	var b bytes.Buffer
	type apiRow struct {
		cases, requests, matched int
	}
	apis := map[string]*apiRow{}
	var nReq, nMatch, nDiff, nFail int
	for _, r := range results {
		row := apis[r.Case.API]
		if row == nil {
			row = &apiRow{}
			apis[r.Case.API] = row
		}
		row.cases++
		for _, rr := range r.Requests {
			nReq++
			row.requests++
			switch rr.Outcome {
			case matched:
				nMatch++
				row.matched++
			case differing:
				nDiff++
			case failing:
				nFail++
			}
		}
	}
	fmt.Fprintf(&b, "# Conformance results\n\n")
	fmt.Fprintf(&b, "Generated by `go test ./conformance/ -update` on %s. Do not edit: the cases are in\n", now.Format("2006-01-02"))
	fmt.Fprintf(&b, "[`cases/`](cases/), the known differences in [`%s`](%s).\n\n", expectationsFile, expectationsFile)
	fmt.Fprintf(&b, "- workerd: `%s`\n- isola: `%s`\n\n", versions["workerd"], versions["isola"])
	fmt.Fprintf(&b, "**%d cases, %d requests: %d matched, %d differing, %d failing on isola.**\n\n", len(results), nReq, nMatch, nDiff, nFail)

	fmt.Fprintf(&b, "## Compatibility\n\n")
	fmt.Fprintf(&b, "An API is *supported* when every request of its cases gets the same status, headers and body\nfrom isola as from workerd, *partial* when some do, and *differs* when none do.\n\n")
	fmt.Fprintf(&b, "| API | Status | Cases | Requests matching |\n|---|---|---|---|\n")
	names := make([]string, 0, len(apis))
	for k := range apis {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		row := apis[name]
		status := "partial"
		switch row.matched {
		case row.requests:
			status = "supported"
		case 0:
			status = "differs"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d/%d |\n", name, status, row.cases, row.matched, row.requests)
	}

	fmt.Fprintf(&b, "\n## Cases\n\n| Case | API | Result | Description |\n|---|---|---|---|\n")
	for _, r := range results {
		m := 0
		for _, rr := range r.Requests {
			if rr.Outcome == matched {
				m++
			}
		}
		fmt.Fprintf(&b, "| [%s](cases/%s/worker.js) | %s | %d/%d | %s |\n", r.Case.Name, r.Case.Name, r.Case.API, m, len(r.Requests), mdCell(r.Case.Description))
	}

	var diffs []requestResult
	for _, r := range results {
		for _, rr := range r.Requests {
			if rr.Outcome != matched {
				diffs = append(diffs, rr)
			}
		}
	}
	if len(diffs) > 0 {
		fmt.Fprintf(&b, "\n## Differences\n\n| Request | Known reason | Observed |\n|---|---|---|\n")
		for _, rr := range diffs {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", rr.Key, mdCell(expect[rr.Key]), mdCell(firstLine(rr.Diff, 200)))
		}
	}
	return b.Bytes()
}

func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
