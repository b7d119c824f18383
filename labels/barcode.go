package labels

import (
	"errors"
	"fmt"
	"math"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
)

// dot is one printer dot at 203 dpi, in mm. Module widths are whole numbers
// of dots and barcodes start on the dot grid: a module of 2.5 dots would be
// printed as 2 or 3 dots at random and confuse scanners.
const dot = 25.4 / 203

// Quiet zones in modules, as the symbology specifications require.
const (
	quiet128 = 10
	quietQR  = 4
)

// snap rounds v up to the printer's dot grid.
func snap(v float64) float64 { return math.Ceil(v/dot-1e-6) * dot }

// linear is an encoded 1D barcode: runs of dark modules, quiet zones not
// included.
type linear struct {
	modules int
	bars    [][2]int // start module, width in modules
}

// width is the barcode's width in modules including both quiet zones.
func (l linear) width() int { return l.modules + 2*quiet128 }

// encode128 encodes s as Code 128 (code sets chosen by the encoder).
func encode128(s string) (linear, error) {
	if s == "" {
		return linear{}, errors.New("empty")
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7E {
			return linear{}, fmt.Errorf("%q: Code 128 takes printable ASCII only", s)
		}
	}
	bc, err := code128.Encode(s)
	if err != nil {
		return linear{}, fmt.Errorf("%q: %w", s, err)
	}
	n := bc.Bounds().Dx()
	l := linear{modules: n}
	start := -1
	for x := 0; x <= n; x++ {
		d := x < n && isDark(bc, x, 0)
		switch {
		case d && start < 0:
			start = x
		case !d && start >= 0:
			l.bars = append(l.bars, [2]int{start, x - start})
			start = -1
		}
	}
	return l, nil
}

func isDark(bc barcode.Barcode, x, y int) bool {
	r, _, _, _ := bc.At(x, y).RGBA()
	return r < 0x8000
}

// moduleDots is the widest module, in whole dots up to max, for which a
// barcode of n modules fits in w mm; 0 if it does not fit even at one dot.
func moduleDots(n int, w float64, max int) int {
	d := int(math.Floor(w/(float64(n)*dot) + 1e-9))
	return min(d, max)
}

// matrix is an encoded 2D barcode, quiet zone not included.
type matrix struct {
	n    int
	dark []bool
}

// encodeQR encodes s as a QR code at error correction level M (15%), which
// survives a smudge or a crease and keeps the symbol small.
func encodeQR(s string) (matrix, error) {
	if s == "" {
		return matrix{}, errors.New("empty QR content")
	}
	bc, err := qr.Encode(s, qr.M, qr.Auto)
	if err != nil {
		return matrix{}, fmt.Errorf("QR %q: %w", s, err)
	}
	n := bc.Bounds().Dx()
	m := matrix{n: n, dark: make([]bool, n*n)}
	for y := range n {
		for x := range n {
			m.dark[y*n+x] = isDark(bc, x, y)
		}
	}
	return m, nil
}
