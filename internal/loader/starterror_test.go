package loader

import "testing"

func TestV8SyntaxText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Expected "}" but found "new"`, `Unexpected token 'new'`},
		{`Unexpected ";"`, `Unexpected token ';'`},
		{`Expected ";" but found "b"`, `Unexpected identifier 'b'`},
		{`Unexpected end of file`, `Unexpected end of input`},
		{`Expected ")" but found "42"`, `Unexpected number`},
		{`Unexpected "\"s\""`, `Unexpected string`},
		{`Unexpected "` + "`x`" + `"`, `Unexpected template string`},
		{`The symbol "a" has already been declared`, `The symbol "a" has already been declared`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := v8SyntaxText(tt.in); got != tt.want {
				t.Errorf("v8SyntaxText(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
