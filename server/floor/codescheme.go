package floor

import (
	"fmt"
	"unicode/utf8"
)

// MaxCodeSchemeLen bounds a code scheme; bin labels must stay short enough
// to print and scan from the aisle.
const MaxCodeSchemeLen = 32

// ValidateCodeScheme checks a bin code scheme: a mask in which 'A' stands for
// one uppercase ASCII letter, '9' for one digit, 'X' for either, and every
// other character for itself (DefaultCodeScheme "A-99-999-9" matches
// "A-03-012-2"). A scheme must be printable ASCII, at most MaxCodeSchemeLen
// characters, with at least one placeholder, since a scheme of literals
// alone would allow a single bin.
func ValidateCodeScheme(scheme string) error {
	if p := schemeProblem(scheme); p != "" {
		return E("validate code scheme", KindInvalid, "%s", p)
	}
	return nil
}

// ValidateBinCode checks code against scheme (see ValidateCodeScheme) and
// says what is wrong and where, so that a mistyped label can be found on the
// shelf. Positions count characters from 1.
func ValidateBinCode(scheme, code string) error {
	p := schemeProblem(scheme)
	if p == "" {
		p = binCodeProblem(scheme, code)
	}
	if p != "" {
		return E("validate bin code", KindInvalid, "%s", p)
	}
	return nil
}

func schemeProblem(scheme string) string {
	if scheme == "" {
		return "code scheme is empty"
	}
	placeholders := 0
	for i, r := range []rune(scheme) {
		if r < 0x20 || r > 0x7e {
			return fmt.Sprintf("code scheme %s: position %d is %q, want printable ASCII", Quote(scheme), i+1, string(r))
		}
		if r == 'A' || r == '9' || r == 'X' {
			placeholders++
		}
	}
	switch {
	case len(scheme) > MaxCodeSchemeLen:
		return fmt.Sprintf("code scheme %s has %d characters, at most %d", Quote(scheme), len(scheme), MaxCodeSchemeLen)
	case placeholders == 0:
		return fmt.Sprintf("code scheme %q has no A, 9 or X placeholder", scheme)
	}
	return ""
}

// binCodeProblem assumes a valid scheme. When the length is wrong it still
// names the first mismatch, because that is usually where a character was
// dropped or added.
func binCodeProblem(scheme, code string) string {
	if code == "" {
		return "bin code is empty"
	}
	mismatch := ""
	for i, r := range []rune(code) {
		if i >= len(scheme) {
			break
		}
		if want := maskWants(scheme[i], r); want != "" {
			mismatch = fmt.Sprintf("position %d should be %s, got %q", i+1, want, string(r))
			break
		}
	}
	n := utf8.RuneCountInString(code)
	switch {
	case n != len(scheme) && mismatch != "":
		return fmt.Sprintf("%s has %d characters, scheme %s wants %d (first difference: %s)", Quote(code), n, scheme, len(scheme), mismatch)
	case n != len(scheme):
		return fmt.Sprintf("%s has %d characters, scheme %s wants %d", Quote(code), n, scheme, len(scheme))
	case mismatch != "":
		return fmt.Sprintf("%s: %s", Quote(code), mismatch)
	}
	return ""
}

// maskWants returns "" if r fits mask character m, otherwise what m wants.
// Letters must be uppercase: labels are printed that way and scanners type
// what is printed, so a lowercase code is a typing mistake.
func maskWants(m byte, r rune) string {
	letter, digit := 'A' <= r && r <= 'Z', '0' <= r && r <= '9'
	switch {
	case m == 'A' && !letter:
		return "an uppercase letter"
	case m == '9' && !digit:
		return "a digit"
	case m == 'X' && !letter && !digit:
		return "an uppercase letter or a digit"
	case m != 'A' && m != '9' && m != 'X' && r != rune(m):
		return fmt.Sprintf("%q", string(m))
	}
	return ""
}
