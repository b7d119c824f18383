package labels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Badge is a sign-in badge: the card a picker wears on a lanyard and scans
// at a handheld's sign-in screen. It prints on the same 100 x 150 mm
// labels as the waybills, so the pack station's printer makes it and a
// 4 x 6 in badge sleeve holds it.
type Badge struct {
	// User is the user name, printed in large type so the supervisor can
	// tell whose badge it is at a glance.
	User string
	// Role is printed under the name in capitals ("picker").
	Role string
	// Code is the sign-in code, printed as a QR code and as Code 128 (a
	// 2D imager reads either, a laser scanner only the Code 128); it is
	// not printed as text, so a badge on a desk cannot be read off and
	// typed in. Printable ASCII only.
	Code string
	// Issued is printed as a date (a newer badge replaces an older one)
	// and written as the PDF's creation date; zero prints no date and
	// writes the fixed date, so equal badges give equal bytes.
	Issued time.Time
}

// Badge layout, y in mm from the top of the label.
const (
	bdgNameY   = 26.0
	bdgRoleY   = 37.0
	bdgRuleY   = 42.0
	bdgQRTop   = 48.0
	bdgQRMax   = 38.0 // the QR code's box, quiet zone included
	bdg128Top  = 91.0
	bdg128H    = 18.0
	bdgScanY   = 122.0
	bdgNoteY   = 130.0
	bdgIssuedY = 145.0
)

// WriteBadgePDF writes b as a one-page PDF, 100 x 150 mm. It returns an
// error, and writes nothing, if the code is empty or cannot be encoded, or
// if ctx ends first.
func WriteBadgePDF(ctx context.Context, w io.Writer, b Badge) error {
	return writeBadgePDF(ctx, w, b, true)
}

// writeBadgePDF is WriteBadgePDF with compression off for the golden test.
func writeBadgePDF(ctx context.Context, w io.Writer, b Badge, compress bool) error {
	pw := &pdfWriter{ctx: ctx}
	if pw.stopped() {
		return fmt.Errorf("labels: %w", pw.err)
	}
	if err := pw.badge(&b); err != nil {
		return fmt.Errorf("labels: badge: %w", err)
	}
	if pw.err != nil {
		return fmt.Errorf("labels: %w", pw.err)
	}
	created := b.Issued
	if created.IsZero() {
		created = fixedDate
	}
	return render(ctx, w, pw.ops, compress, created)
}

func (p *pdfWriter) badge(b *Badge) error {
	if b.Code == "" {
		return errors.New("no sign-in code")
	}
	// Encode both before drawing, so a bad code fails before a page. The
	// errors leave the code out: it is a secret, and errors get logged.
	l, err := encode128(b.Code)
	if err != nil {
		return errors.New("sign-in code: Code 128 takes 1 to 80 characters of printable ASCII")
	}
	m, err := encodeQR(b.Code)
	if err != nil {
		return errors.New("sign-in code: cannot be encoded as a QR code")
	}
	p.addPage()
	p.gray(0)
	p.lineWidth(0.4)
	right := pageW - margin
	textW := right - margin

	p.text(margin, 8, "SIGN-IN BADGE", faceBold, 8)
	p.line(margin, 10.5, right, 10.5)

	// The name as large as the width allows (a long name shrinks, down to
	// a size still read at arm's length, then is cut).
	name := clean(b.User)
	size := 32.0
	for size > 16 && p.width(name, faceBold, size) > textW {
		size -= 2
	}
	p.textCenter(pageW/2, bdgNameY, p.fit(name, faceBold, size, textW), faceBold, size)
	role := strings.ToUpper(clean(b.Role))
	p.textCenter(pageW/2, bdgRoleY, p.fit(role, faceBold, 16, textW), faceBold, 16)
	p.line(margin, bdgRuleY, right, bdgRuleY)

	// The QR code centred, modules of up to 8 dots (1 mm): a handheld's
	// imager reads it from a hand's length away.
	dots := moduleDots(m.n+2*quietQR, bdgQRMax-dot, 8)
	if dots < 1 {
		return errors.New("sign-in code: QR code does not fit")
	}
	qrSize := float64((m.n+2*quietQR)*dots) * dot
	if err := p.qr(m, (pageW-qrSize)/2, bdgQRTop, qrSize+dot); err != nil {
		return fmt.Errorf("sign-in code: %w", err)
	}

	// The Code 128 for laser scanners: modules of up to 3 dots, as wide as
	// the label allows.
	dots128 := moduleDots(l.width(), pageW-dot, 3)
	if dots128 < 2 {
		// 1-dot modules (0.125 mm) do not scan reliably.
		return fmt.Errorf("sign-in code: %d characters are too long for a Code 128 on the badge", len(b.Code))
	}
	x := (pageW - float64(l.width()*dots128)*dot) / 2
	p.code128(l, x, bdg128Top, bdg128H, dots128)

	p.textCenter(pageW/2, bdgScanY, "scan at sign-in", faceBold, 16)
	p.textCenter(pageW/2, bdgNoteY, "Whoever holds this badge signs in as you: keep it like a key.", faceRegular, 7)
	p.textCenter(pageW/2, bdgNoteY+3.5, "Lost it? A new badge from your supervisor stops this one.", faceRegular, 7)
	if !b.Issued.IsZero() {
		p.line(margin, bdgIssuedY-4, right, bdgIssuedY-4)
		p.text(margin, bdgIssuedY, "issued "+b.Issued.Format(time.DateOnly), faceRegular, 7)
	}
	return nil
}
