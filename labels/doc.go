// Package labels renders the documents a pack station prints: the waybill
// (100 x 150 mm, 4 x 6 in) and the pick list, as one PDF per order or batch,
// and the same documents as ZPL for stock Zebra-compatible 203 dpi printers
// (text beyond font 0 sent as pictures).
//
// It also renders a sign-in [Badge] ([WriteBadgePDF]): a user's name and
// role and their sign-in code as a QR code and a Code 128, on the same
// label.
//
// The package knows nothing of the server's storage or RPC types: callers
// fill in [Document], [Waybill] and [PickList] and call [WritePDF] or
// [WriteZPL] or [WriteZPLDocument].
//
// Barcodes (Code 128 for tracking numbers, order ids and bin codes, QR for
// the pick list's order) are drawn as vector rectangles whose module width
// is a whole number of printer dots (25.4/203 mm) and whose edges sit on the
// dot grid, with the quiet zones the symbologies require, so they print
// crisply on thermal printers and scan on the first try.
//
// Text may be in any script. The Go fonts cover Latin, Greek and Cyrillic;
// Chinese, Japanese and Korean text switches, run by run, to Droid Sans
// Fallback. All fonts are embedded in the binary; nothing is installed.
// See fonts.go for how the large CJK font is kept cheap.
package labels
