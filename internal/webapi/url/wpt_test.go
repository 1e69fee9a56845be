package url

import (
	"encoding/json"
	"os"
	"testing"
)

// wptCase is one entry of WPT's url/resources/urltestdata.json.
type wptCase struct {
	Input    string  `json:"input"`
	Base     *string `json:"base"`
	Href     string  `json:"href"`
	Origin   *string `json:"origin"`
	Protocol string  `json:"protocol"`
	Username string  `json:"username"`
	Password string  `json:"password"`
	Host     string  `json:"host"`
	Hostname string  `json:"hostname"`
	Port     string  `json:"port"`
	Pathname string  `json:"pathname"`
	Search   string  `json:"search"`
	Hash     string  `json:"hash"`
	Failure  bool    `json:"failure"`
}

func loadWPT(t testing.TB) []wptCase {
	t.Helper()
	data, err := os.ReadFile("testdata/urltestdata.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	var cases []wptCase
	for _, r := range raw {
		if len(r) > 0 && r[0] == '"' {
			continue // a comment
		}
		var c wptCase
		if err := json.Unmarshal(r, &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	return cases
}

func TestWPTURLTestData(t *testing.T) {
	for i, c := range loadWPT(t) {
		base, hasBase := "", c.Base != nil
		if hasBase {
			base = *c.Base
		}
		got, ok := Parse(c.Input, base, hasBase)
		if ok == c.Failure {
			t.Errorf("#%d Parse(%q, %q) ok = %v; want %v (got %q)", i, c.Input, base, ok, !c.Failure, got[Href])
			continue
		}
		if !ok {
			continue
		}
		want := Parts{c.Href, "", c.Protocol, c.Username, c.Password, c.Host, c.Hostname, c.Port, c.Pathname, c.Search, c.Hash}
		if c.Origin != nil {
			want[Origin] = *c.Origin
		} else {
			want[Origin] = got[Origin]
		}
		if got != want {
			t.Errorf("#%d Parse(%q, %q) =\n %q; want\n %q", i, c.Input, base, got, want)
		}
	}
}

// setterCase is one entry of WPT's url/resources/setters_tests.json.
type setterCase struct {
	Href     string            `json:"href"`
	NewValue string            `json:"new_value"`
	Expected map[string]string `json:"expected"`
}

var partIndex = map[string]int{
	"href": Href, "origin": Origin, "protocol": Protocol, "username": Username,
	"password": Password, "host": Host, "hostname": Hostname, "port": Port,
	"pathname": Pathname, "search": Search, "hash": Hash,
}

func TestWPTSetters(t *testing.T) {
	data, err := os.ReadFile("testdata/setters_tests.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatal(err)
	}
	for name, raw := range all {
		if name == "comment" {
			continue
		}
		var cases []setterCase
		if err := json.Unmarshal(raw, &cases); err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			for _, c := range cases {
				got, ok := Set(c.Href, name, c.NewValue)
				if !ok {
					t.Errorf("Set(%q, %q, %q) failed", c.Href, name, c.NewValue)
					continue
				}
				for k, want := range c.Expected {
					if g := got[partIndex[k]]; g != want {
						t.Errorf("Set(%q, %q, %q).%s = %q; want %q", c.Href, name, c.NewValue, k, g, want)
					}
				}
			}
		})
	}
}
