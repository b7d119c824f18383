package labels

import (
	"bytes"
	"context"
	"testing"
)

// BenchmarkWriteZPLDocument: the sample's waybill (Chinese recipient,
// Cyrillic sender) and three-label pick list as ZPL, glyphs cached.
func BenchmarkWriteZPLDocument(b *testing.B) {
	d := sampleDocument()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteZPLDocument(context.Background(), &buf, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}

// BenchmarkWriteZPLColdGlyphs: the same waybill with the glyph cache
// emptied before each one: what the first label of a process costs.
func BenchmarkWriteZPLColdGlyphs(b *testing.B) {
	wb := sampleDocument().Waybills[0]
	var buf bytes.Buffer
	for b.Loop() {
		glyphCache.mu.Lock()
		glyphCache.glyphs = map[glyphKey]glyph{}
		glyphCache.mu.Unlock()
		buf.Reset()
		if err := WriteZPL(context.Background(), &buf, wb); err != nil {
			b.Fatal(err)
		}
	}
}
