// Package address lays out a postal address the way the destination
// country's post expects it, and tells what an address lacks for that
// country, from Google's address metadata (libaddressinput) in
// countries.json (see NOTICE): the line format of each country (fmt, and
// lfmt for Latin script where the local one is not), the fields it
// requires, those printed in capitals, and the postal code's pattern.
//
// It is a leaf package with no state: the labels package draws its lines.
package address

//go:generate go run ./internal/gen -o countries.json
