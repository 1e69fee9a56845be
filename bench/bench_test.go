package main

import (
	"strings"
	"testing"
	"time"
)

const wrkSample = `Running 10s test @ http://127.0.0.1:8081/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms  310.49us  12.10ms   91.02%
    Req/Sec    21.12k     1.01k   22.49k    80.00%
  Latency Distribution
     50%    1.46ms
     75%    1.58ms
     90%    1.75ms
     99%    2.61ms
  210158 requests in 10.00s, 16.03MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:  21015.09
Transfer/sec:      1.60MB
`

func TestParseWrk(t *testing.T) {
	got, err := parseWrk(wrkSample)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{Requests: 210158, RPS: 21015.09, P50: 1460 * time.Microsecond, P99: 2610 * time.Microsecond, Non2xx: 3, SockErrors: 3}
	if got != want {
		t.Errorf("parseWrk() = %+v; want %+v", got, want)
	}
}

func TestParseWrkUnits(t *testing.T) {
	tests := []struct {
		line string
		want time.Duration
	}{
		{"     50%   47.00us", 47 * time.Microsecond},
		{"     50%    1.50s", 1500 * time.Millisecond},
		{"     50%    2.00m", 2 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			out := "Requests/sec: 1\n" + tt.line + "\n     99%   1.00ms\n"
			got, err := parseWrk(out)
			if err != nil {
				t.Fatal(err)
			}
			if got.P50 != tt.want {
				t.Errorf("parseWrk(%q).P50 = %v; want %v", tt.line, got.P50, tt.want)
			}
		})
	}
}

func TestParseWrkErrors(t *testing.T) {
	for _, out := range []string{"", "Requests/sec: 5\n", "garbage"} {
		if _, err := parseWrk(out); err == nil {
			t.Errorf("parseWrk(%q) = nil error; want an error", out)
		}
	}
}

func TestLuaScript(t *testing.T) {
	got := luaScript(scenario{Method: "POST", Body: "{\"a\":\"é\\\n\"}", Headers: map[string]string{"Content-Type": "application/json"}})
	for _, want := range []string{
		`wrk.method = "POST"`,
		`wrk.body = "{\034a\034:\034\195\169\092\010\034}"`,
		`wrk.headers["Content-Type"] = "application/json"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("luaScript() lacks %s; got:\n%s", want, got)
		}
	}
}

func TestScenariosAreValid(t *testing.T) {
	names := map[string]bool{}
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			if names[sc.Name] {
				t.Errorf("scenario %q listed twice", sc.Name)
			}
			names[sc.Name] = true
			if sc.Group == "" || sc.Main == "" || sc.Method == "" || sc.Path == "" || sc.Want == "" {
				t.Errorf("scenario %+v lacks a required field", sc)
			}
		})
	}
}

func TestRenderRatios(t *testing.T) {
	sc := scenarios[0]
	ms := []measurement{
		{Scenario: sc, Runtime: "isola", Connections: 1, wrkResult: wrkResult{RPS: 200, P50: 2 * time.Millisecond, P99: 4 * time.Millisecond}},
		{Scenario: sc, Runtime: "workerd", Connections: 1, wrkResult: wrkResult{RPS: 100, P50: 1 * time.Millisecond, P99: 8 * time.Millisecond}},
	}
	o := options{runtimes: []string{"isola", "workerd"}, threads: 1, duration: time.Second, isolaMode: "serve"}
	got := render("http", ms, o, map[string]string{"isola": "dev", "workerd": "x", "wrk": "wrk 4"}, machineInfo{CPUs: 2}, time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC))
	if want := "| hello | 1 | 2.00 | 2.00 | 0.50 |"; !strings.Contains(got, want) {
		t.Errorf("render() lacks ratio row %q; got:\n%s", want, got)
	}
}

func TestLuaScriptRequest(t *testing.T) {
	got := luaScript(scenario{Method: "GET", LuaRequest: `request = function() return wrk.format(nil, "/x") end`})
	if !strings.HasSuffix(got, "request = function() return wrk.format(nil, \"/x\") end\n") {
		t.Errorf("luaScript() lacks the request function; got:\n%s", got)
	}
}

func TestRenderMemory(t *testing.T) {
	sc := scenario{Name: "do-memory", Main: "do-counter.js", Touch: 1000}
	ms := []measurement{
		{Scenario: sc, Runtime: "isola", Touched: 1000, RSSBeforeKiB: 10_000, RSSKiB: 12_000},
		{Scenario: sc, Runtime: "workerd", Touched: 1000, RSSBeforeKiB: 20_000, RSSKiB: 28_000},
	}
	o := options{runtimes: []string{"isola", "workerd"}, threads: 1, duration: time.Second, isolaMode: "serve"}
	got := render("durable-objects", ms, o, map[string]string{}, machineInfo{CPUs: 2}, time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC))
	for _, want := range []string{
		"| do-memory | isola | 1000 | 10 MiB | 12 MiB | 2.0 KiB |",
		"| do-memory | workerd | 1000 | 20 MiB | 27 MiB | 8.0 KiB |",
		"| do-memory | 0.43 | 0.25 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("render() lacks %q; got:\n%s", want, got)
		}
	}
	if strings.Contains(got, "## Results") {
		t.Errorf("render() of memory scenarios only has a load table:\n%s", got)
	}
}
