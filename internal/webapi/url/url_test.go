package url

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		input, base string
		hasBase     bool
		want        Parts
		ok          bool
	}{
		{"https://a.com/x?y#z", "", false, Parts{"https://a.com/x?y#z", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/x", "?y", "#z"}, true},
		{"x", "https://a.com/p/q", true, Parts{"https://a.com/p/x", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p/x", "", ""}, true},
		{"mailto:me@x", "", false, Parts{"mailto:me@x", "null", "mailto:", "", "", "", "", "", "me@x", "", ""}, true},
		{"blob:https://a.com/id", "", false, Parts{"blob:https://a.com/id", "https://a.com", "blob:", "", "", "", "", "", "https://a.com/id", "", ""}, true},
		{"blob:ftp://a.com/id", "", false, Parts{"blob:ftp://a.com/id", "null", "blob:", "", "", "", "", "", "ftp://a.com/id", "", ""}, true},
		{"x", "", false, Parts{}, false},
		{"x", "not a base", true, Parts{}, false},
		{"http://[::1", "", false, Parts{}, false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.input, tt.base, tt.hasBase)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Parse(%q, %q, %v) = %q, %v; want %q, %v", tt.input, tt.base, tt.hasBase, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		href, name, value, want string
		ok                      bool
	}{
		{"https://a.com/", "pathname", "/b c", "https://a.com/b%20c", true},
		{"https://a.com/", "port", "443", "https://a.com/", true},
		{"https://a.com/", "protocol", "ftp", "ftp://a.com/", true},
		{"https://a.com/", "protocol", "mailto", "https://a.com/", true},
		{"https://a.com/?q", "search", "", "https://a.com/", true},
		{"https://a.com/", "href", "http://b/", "http://b/", true},
		{"https://a.com/", "href", "nope", "", false},
		{"https://a.com/", "origin", "x", "", false},
		{"not a url", "hash", "x", "", false},
	}
	for _, tt := range tests {
		got, ok := Set(tt.href, tt.name, tt.value)
		if ok != tt.ok || got[Href] != tt.want {
			t.Errorf("Set(%q, %q, %q) = %q, %v; want %q, %v", tt.href, tt.name, tt.value, got[Href], ok, tt.want, tt.ok)
		}
	}
}

// FuzzURLParse checks that parsing never panics and that a parsed URL's
// href parses again to itself (the URL standard's idempotence), and that
// every setter survives any value.
func FuzzURLParse(f *testing.F) {
	for _, c := range []struct{ in, base string }{
		{"https://a.com/x?y#z", ""}, {"../x", "http://a/b/c"}, {"http://[::1]:80/", ""},
		{"file:///C:/x", ""}, {"blob:https://a/b", ""}, {"http://0x7f.1/", ""}, {"a:\t foo.com", ""},
		{"http://ü.com/%zz", ""}, {"non-special://h:1/p", ""}, {"//x", "https://b/"},
	} {
		f.Add(c.in, c.base, "value")
	}
	names := []string{"href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"}
	f.Fuzz(func(t *testing.T, input, base, value string) {
		p, ok := Parse(input, base, base != "")
		if !ok {
			return
		}
		again, ok := Parse(p[Href], "", false)
		if !ok || again[Href] != p[Href] {
			t.Fatalf("Parse(%q, %q) = %q, which reparses to %q, %v", input, base, p[Href], again[Href], ok)
		}
		for _, n := range names {
			Set(p[Href], n, value)
		}
	})
}
