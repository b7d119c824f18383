package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pickpack/pickpack/server/floor"
)

// importCmd loads a file into a stopped server's data file, through the
// same parsers and store calls as the import RPCs. When ctx ends (Ctrl-C),
// the import stops and nothing is stored.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || strings.HasPrefix(args[1], "-") {
		return fmt.Errorf("usage: server import binmap|skus|orders|shipping|slots|supply FILE [--format json|csv] [--mapping MAPPING.json] [--dry-run] [--data DIR]")
	}
	kind, file := args[0], args[1]
	fs := flag.NewFlagSet("import "+kind, flag.ContinueOnError)
	var d dataFlags
	d.register(fs)
	formatName := fs.String("format", "", "json or csv (default: from the file name)")
	dry := fs.Bool("dry-run", false, "check the file and report, store nothing")
	mapping := fs.String("mapping", "", "orders only: a column mapping (JSON) that reads a selling platform's own export layout")
	if err := parseFlags(fs, args[2:], stderr); err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if *mapping != "" && kind != "orders" {
		return fmt.Errorf("--mapping is for orders only")
	}
	format, err := importFormat(*formatName, file)
	switch {
	case kind == "binmap", kind == "shipping", kind == "slots", kind == "supply":
		err = nil // each has one format
	case *mapping != "" && *formatName == "":
		// A mapping names the format of the exports it reads, so the file
		// name's extension is not consulted (platform exports come as .txt
		// too); only a --format given with it is, and the mapping decides
		// whether it fits.
		format, err = floor.ImportUnspecified, nil
	}
	if err != nil {
		return err
	}
	st, err := d.open(floor.SystemClock{})
	if err != nil {
		return err
	}
	defer st.Close()
	verb := "imported"
	if *dry {
		verb = "checked (dry run, nothing stored)"
	}
	switch kind {
	case "binmap":
		m, err := floor.ParseBinMap(data)
		if err != nil {
			return fileError(file, err)
		}
		ch, err := st.ImportBinMapContext(ctx, m, *dry)
		if err != nil {
			return fileError(file, err)
		}
		fmt.Fprintf(stdout, "%s bin map %s: %d bins (%d added, %d removed, %d moved)\n", verb, m.Warehouse, ch.Bins, ch.Added, ch.Removed, ch.Moved)
	case "skus":
		skus, err := floor.ParseSKUs(data, format)
		if err != nil {
			return fileError(file, err)
		}
		if err := st.PutSKUsContext(ctx, skus, *dry); err != nil {
			return fileError(file, err)
		}
		fmt.Fprintf(stdout, "%s %d SKUs\n", verb, len(skus))
		for _, s := range skus {
			if len(s.Missing) > 0 {
				fmt.Fprintf(stdout, "  incomplete: %s missing %s\n", s.ID, strings.Join(s.Missing, ", "))
			}
		}
	case "orders":
		orders, err := importedOrders(ctx, data, file, format, *mapping)
		if err != nil {
			return err
		}
		created, known, err := st.ImportOrdersContext(ctx, orders, *dry)
		if err != nil {
			return fileError(file, err)
		}
		fmt.Fprintf(stdout, "%s %d orders (%d new, %d already known)\n", verb, created+known, created, known)
	case "slots":
		slots, err := floor.ParseSlotsCSV(data)
		if err == nil {
			err = st.SetSlotsContext(ctx, slots, *dry)
		}
		if err != nil {
			return fileError(file, err)
		}
		fmt.Fprintf(stdout, "%s %d pick-bin slots\n", verb, len(slots))
	case "supply":
		supply, err := floor.ParseSupplyCSV(data)
		if err == nil {
			err = st.SetSupplyContext(ctx, supply, *dry)
		}
		if err != nil {
			return fileError(file, err)
		}
		fmt.Fprintf(stdout, "%s supply data of %d SKUs\n", verb, len(supply))
	case "shipping":
		sh, err := floor.ParseShipping(data)
		if err != nil {
			return fileError(file, err)
		}
		if !*dry {
			if err := st.SetShipping(sh); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "%s shipping: %d carriers, %d rules\n", verb, len(sh.Carriers), len(sh.Rules))
	default:
		return fmt.Errorf("import: unknown kind %q (binmap, skus, orders, shipping, slots or supply)", kind)
	}
	return nil
}

// importedOrders reads an order file, through a mapping when one is given;
// format is then ImportUnspecified unless --format named one.
func importedOrders(ctx context.Context, data []byte, file string, format floor.ImportFormat, mappingFile string) ([]floor.Order, error) {
	if mappingFile == "" {
		orders, err := floor.ParseOrdersContext(ctx, data, format)
		if err != nil {
			return nil, fileError(file, err)
		}
		return orders, nil
	}
	raw, err := os.ReadFile(mappingFile)
	if err != nil {
		return nil, err
	}
	m, err := floor.ParseOrderMapping(raw)
	if err != nil {
		return nil, fileError(mappingFile, err)
	}
	if p := m.FormatProblem(format); p != "" {
		return nil, fmt.Errorf("--format %v with --mapping %s: %s", format, mappingFile, p)
	}
	orders, err := floor.ParseOrdersMappedContext(ctx, data, m)
	if err != nil {
		return nil, fileError(file, err)
	}
	return orders, nil
}

// fileError lists every violation on its own line, under the file name.
func fileError(file string, err error) error {
	fe, ok := err.(*floor.Error)
	if !ok || len(fe.Violations) == 0 {
		return fmt.Errorf("%s: %w", file, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", file, fe.Msg)
	for _, v := range fe.Violations {
		fmt.Fprintf(&b, "\n  %s: %s", v.Field, v.Description)
	}
	return fmt.Errorf("%s", b.String())
}

func importFormat(name, file string) (floor.ImportFormat, error) {
	if name != "" {
		if f, ok := floor.ParseImportFormat(name); ok {
			return f, nil
		}
		return floor.ImportUnspecified, fmt.Errorf("--format %q: want json or csv", name)
	}
	if f, ok := floor.ParseImportFormat(strings.TrimPrefix(filepath.Ext(file), ".")); ok {
		return f, nil
	}
	return floor.ImportUnspecified, fmt.Errorf("cannot tell the format of %s from its name: give --format json or --format csv", file)
}
