package labels

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// sampleBadge has a code of the server's shape (PPB and 20 of A-Z, 2-7).
func sampleBadge() Badge {
	return Badge{User: "ann.lee", Role: "picker", Code: "PPBK7QX2MZ4ABCDEFGH3JKLM",
		Issued: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
}

func badgePDF(t *testing.T, b Badge) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBadgePDF(context.Background(), &buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBadgeScans renders badges at the printers' 203 dpi and decodes them
// as a handheld would: both the QR code and the Code 128 must give the
// exact sign-in code, for the shortest and the longest names.
func TestBadgeScans(t *testing.T) {
	for _, b := range []Badge{
		sampleBadge(),
		{User: "a", Role: "packer", Code: "PPB22222222222222222222"},
		{User: strings.Repeat("w", 64), Role: "supervisor", Code: "PPBZZZZZZZZZZZZZZZZZZZZ"},
	} {
		pages := scanPDF(t, badgePDF(t, b))
		if want := [][]string{{b.Code, b.Code}}; !slices.EqualFunc(pages, want, slices.Equal) {
			t.Errorf("%s: decodes %q, want %q (QR and Code 128)", b.User, pages, want)
		}
	}
}

// TestBadgeText checks what a person reads on the badge, and that the code
// itself is not printed as text.
func TestBadgeText(t *testing.T) {
	need(t, "pdftotext")
	b := sampleBadge()
	path := filepath.Join(t.TempDir(), "badge.pdf")
	if err := os.WriteFile(path, badgePDF(t, b), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"ann.lee", "PICKER", "scan at sign-in", "issued 2026-12-03"} {
		if !strings.Contains(text, want) {
			t.Errorf("badge text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, b.Code) {
		t.Errorf("badge prints the sign-in code as text:\n%s", text)
	}
}

func TestBadgeGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := writeBadgePDF(context.Background(), &buf, sampleBadge(), false); err != nil {
		t.Fatal(err)
	}
	golden(t, "badge.pdf.txt", pdfStructure(buf.Bytes()))
}

func TestBadgeRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		code string
		want string
	}{
		{"empty", "", "no sign-in code"},
		{"not ASCII", "PPBÄ", "printable ASCII"},
		{"too long for Code 128", strings.Repeat("PPB2", 10), "too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WriteBadgePDF(context.Background(), &buf, Badge{User: "ann", Role: "picker", Code: tc.code})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
			if tc.code != "" && strings.Contains(err.Error(), tc.code) {
				t.Errorf("the error shows the code: %v", err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes with the error", buf.Len())
			}
		})
	}
}

func TestBadgeContextEnded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	if err := WriteBadgePDF(ctx, &buf, sampleBadge()); err == nil || buf.Len() != 0 {
		t.Errorf("got %v and %d bytes, want the context's error and nothing", err, buf.Len())
	}
}

func BenchmarkBadgePDF(b *testing.B) {
	badge := sampleBadge()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteBadgePDF(context.Background(), &buf, badge); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "pdf-bytes")
}
