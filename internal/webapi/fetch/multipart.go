package fetch

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"

	"github.com/isola-run/isola/internal/engine"
)

// parseMultipart parses a multipart/form-data body into the entries of a
// FormData: [name, value] for a field, [name, {filename, type, data}] for a
// file. Filenames are kept as sent (no path cleaning), as workerd does.
func parseMultipart(body []byte, contentType string) (any, error) {
	_, params, err := mime.ParseMediaType(contentType)
	boundary := params["boundary"]
	if err != nil || boundary == "" {
		return nil, engine.Errorf("TypeError", "No boundary string in Content-Type header. The multipart/form-data MIME type requires a boundary parameter, e.g. 'Content-Type: multipart/form-data; boundary=\"abcd\"'. See RFC 7578, section 4.")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	out := []any{}
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, engine.Errorf("TypeError", "Failed to parse multipart/form-data body: %v.", err)
		}
		_, disp, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		if err != nil {
			return nil, engine.Errorf("TypeError", "Failed to parse multipart/form-data body: invalid Content-Disposition header.")
		}
		name, ok := disp["name"]
		if !ok {
			return nil, engine.Errorf("TypeError", "Failed to parse multipart/form-data body: a part has no name.")
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, engine.Errorf("TypeError", "Failed to parse multipart/form-data body: %v.", err)
		}
		filename, isFile := disp["filename"]
		if !isFile {
			out = append(out, []any{name, decodeText(data)})
			continue
		}
		out = append(out, []any{name, map[string]any{
			"filename": filename,
			"type":     part.Header.Get("Content-Type"),
			"data":     data,
		}})
	}
}
