// Package printing sends queued documents to the pack stations' printers:
// raw TCP (port 9100, for ZPL or PDF-capable printers), the system print
// command, or a spool directory. Jobs live in the store; this package only
// moves bytes and reports the outcome, so each job is sent once.
package printing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// Formats a printer takes.
const (
	FormatPDF = "pdf"
	FormatZPL = "zpl"
)

// Printer is where one station's documents go.
type Printer struct {
	Kind    string   `json:"kind"`    // "tcp", "command" or "spool"
	Addr    string   `json:"addr"`    // tcp: host:port, usually port 9100
	Command []string `json:"command"` // command: argv, the document on stdin, e.g. ["lp", "-d", "pack1"]
	Dir     string   `json:"dir"`     // spool: a directory; files appear atomically
	Format  string   `json:"format"`  // "pdf" (default) or "zpl"
	// Paper makes the station's user a paper picker: each new task's
	// pick list and waybills print here when the task is handed out
	// (print, then pick), and the pack station scans the sheet's code.
	// PDF only.
	Paper bool `json:"paper"`
}

// Config maps pack stations (the packer's user name) to printers; Default
// serves stations without their own.
type Config struct {
	Stations map[string]Printer `json:"stations"`
	Default  Printer            `json:"default"`
}

// ParseConfig reads a printer configuration (JSON) and checks it.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("printer configuration: %w", err)
	}
	var vs floor.Violations
	check := func(at string, p Printer) {
		switch p.Kind {
		case "tcp":
			if _, _, err := net.SplitHostPort(p.Addr); err != nil {
				vs.Add(at+".addr", "want host:port, got %q", p.Addr)
			}
		case "command":
			if len(p.Command) == 0 {
				vs.Add(at+".command", "want a program and its arguments")
			}
		case "spool":
			if p.Dir == "" {
				vs.Add(at+".dir", "want a directory")
			}
		default:
			vs.Add(at+".kind", "want tcp, command or spool, got %q", p.Kind)
		}
		if p.Format != "" && p.Format != FormatPDF && p.Format != FormatZPL {
			vs.Add(at+".format", "want pdf or zpl, got %q", p.Format)
		}
	}
	check("default", c.Default)
	for name, p := range c.Stations {
		check("stations."+name, p)
	}
	return c, vs.Err("printer configuration")
}

// For returns the printer of a station.
func (c Config) For(station string) Printer {
	p, ok := c.Stations[station]
	if !ok {
		p = c.Default
	}
	if p.Format == "" {
		p.Format = FormatPDF
	}
	return p
}

// Paper reports whether user picks from paper: their station's own entry
// says "paper": true, or they have none and the default does (a site
// without handhelds sets it once there).
func (c Config) Paper(user string) bool {
	if p, ok := c.Stations[user]; ok {
		return p.Paper
	}
	return c.Default.Paper
}

// SpoolName is the file name of a job in a spool directory: from the job
// number alone ("job-000123.pdf"), never from the order id, which came
// from a request or an import and must not become part of a path (an id
// of "x/../../etc/passwd" would name a file outside the directory). The
// format is the configuration's pdf or zpl.
func SpoolName(job floor.PrintJob, format string) string {
	return fmt.Sprintf("job-%06d.%s", job.ID, format)
}

// sendTimeout bounds one send: a printer that hangs must not stop the queue.
const sendTimeout = 10 * time.Second

// Send delivers doc, the document of job, to the printer.
func (p Printer) Send(ctx context.Context, job floor.PrintJob, doc []byte) error {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	switch p.Kind {
	case "tcp":
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", p.Addr)
		if err != nil {
			return err
		}
		deadline, _ := ctx.Deadline()
		conn.SetDeadline(deadline)
		if _, err := conn.Write(doc); err != nil {
			conn.Close()
			return err
		}
		return conn.Close()
	case "command":
		cmd := exec.CommandContext(ctx, p.Command[0], p.Command[1:]...)
		cmd.Stdin = bytes.NewReader(doc)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", p.Command[0], err, bytes.TrimSpace(out))
		}
		return nil
	case "spool":
		if err := os.MkdirAll(p.Dir, 0o755); err != nil {
			return err
		}
		name := SpoolName(job, p.Format)
		tmp := filepath.Join(p.Dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, doc, 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, filepath.Join(p.Dir, name))
	}
	return errors.New("unknown printer kind " + p.Kind)
}
