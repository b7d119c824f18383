package web

import (
	"mime"
	"strings"
)

// maxFileNameBase bounds the part of a download's file name before its
// extension; ids are at most 64 characters, but an order stored before the
// id rule may have a longer one.
const maxFileNameBase = 100

// contentDisposition is a Content-Disposition value (RFC 6266) for a
// download named base.ext, where base may come from a request or from old
// data (an order id). filename= carries base reduced to ASCII letters,
// digits, '-', '_' and '.', never starting with a dot, so that no client
// can read a path, a quote or a header break into it. When base has
// characters beyond ASCII, filename*= (RFC 5987) carries it whole in
// UTF-8 for the clients that show it; mime.FormatMediaType does the
// percent-encoding. An ASCII name that had to change gets no filename*:
// the characters it lost are the ones that must not reach a file name.
func contentDisposition(disposition, base, ext string) string {
	safe := asciiFileName(base) + "." + ext
	v := mime.FormatMediaType(disposition, map[string]string{"filename": safe})
	if safe == base+"."+ext || !beyondASCII(base) {
		return v
	}
	full := mime.FormatMediaType(disposition, map[string]string{"filename": base + "." + ext})
	if _, ext, ok := strings.Cut(full, "filename*="); ok {
		v += "; filename*=" + ext
	}
	return v
}

// asciiFileName keeps the characters of s that are safe in a file name on
// every system and replaces each other one with '_'.
func asciiFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= maxFileNameBase {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == '.' && b.Len() > 0 && !strings.HasSuffix(b.String(), "."):
			b.WriteRune(r) // never a leading dot or "..": no hidden or parent names
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "document"
	}
	return b.String()
}

func beyondASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}
