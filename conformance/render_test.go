package conformance

import (
	"strings"
	"testing"
	"time"
)

func TestCompare(t *testing.T) {
	req := caseRequest{ExpectHeaders: []string{"Content-Type"}}
	ok := response{Status: 200, Headers: map[string][]string{"content-type": {"text/plain"}}, Body: []byte("hi")}
	tests := []struct {
		name string
		req  caseRequest
		got  response
		want outcome
		diff string
	}{
		{"same", req, ok, matched, ""},
		{"status", req, response{Status: 500, Headers: ok.Headers, Body: ok.Body}, differing, "status 500, want 200"},
		{"header", req, response{Status: 200, Headers: map[string][]string{"content-type": {"text/html"}}, Body: ok.Body}, differing, `header content-type ["text/html"], want ["text/plain"]`},
		{"body", req, response{Status: 200, Headers: ok.Headers, Body: []byte("ho")}, differing, `body "ho", want "hi"`},
		{"ignored body", caseRequest{ExpectHeaders: req.ExpectHeaders, IgnoreBody: true}, response{Status: 200, Headers: ok.Headers, Body: []byte("ho")}, matched, ""},
		{"no answer", req, response{Err: errTest}, failing, "isola: test error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diff := compare(tt.req, ok, tt.got)
			if got != tt.want || diff != tt.diff {
				t.Errorf("compare() = %v, %q; want %v, %q", got, diff, tt.want, tt.diff)
			}
		})
	}
}

type testError struct{}

func (testError) Error() string { return "test error" }

var errTest = testError{}

func TestBodyDiffLong(t *testing.T) {
	a := strings.Repeat("x", 500) + "A" + strings.Repeat("y", 10)
	b := strings.Repeat("x", 500) + "B" + strings.Repeat("y", 10)
	got := bodyDiff([]byte(a), []byte(b))
	if !strings.HasPrefix(got, "body differs at byte 500 (of 511, want 511)") || !strings.Contains(got, `A`) {
		t.Errorf("bodyDiff() = %s", got)
	}
}

func TestRenderResults(t *testing.T) {
	mk := func(name, api string, outcomes ...outcome) caseResult {
		r := caseResult{Case: &testCase{Name: name, API: api, Description: "a | b"}}
		for i, o := range outcomes {
			r.Requests = append(r.Requests, requestResult{Key: name + "/" + string(rune('0'+i)), Outcome: o, Diff: "status 500, want 200"})
		}
		return r
	}
	results := []caseResult{
		mk("url-a", "URL", matched, matched),
		mk("url-b", "URL", matched, differing),
		mk("blob", "Blob", failing),
		mk("hello", "fetch handler", matched),
	}
	got := string(renderResults(results, map[string]string{"url-b/1": "known"}, map[string]string{"workerd": "w", "isola": "i"}, time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)))
	for _, want := range []string{
		"on 2025-03-04",
		"**4 cases, 6 requests: 4 matched, 1 differing, 1 failing on isola.**",
		"| Blob | differs | 1 | 0/1 |",
		"| URL | partial | 2 | 3/4 |",
		"| fetch handler | supported | 1 | 1/1 |",
		`| [url-b](cases/url-b/worker.js) | URL | 1/2 | a \| b |`,
		"| url-b/1 | known | status 500, want 200 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("renderResults() lacks %q; got:\n%s", want, got)
		}
	}
}
