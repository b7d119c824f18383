package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// defaultRetainDays is how many whole days before today scans, movements
// and closed orders stay in the live data file (the horizon).
const defaultRetainDays = 90

// archiveEvery is how often a serving server runs the archive: only the
// first run of a day moves anything (the horizon is whole days).
const archiveEvery = time.Hour

// archiveCmd moves what is older than the horizon of a stopped server's
// data file to its archive files, at once: what serve does every hour.
func archiveCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("archive", flag.ContinueOnError)
	var d dataFlags
	d.register(fs)
	days := fs.Int("retain-days", defaultRetainDays, "whole days before today kept in the live file (at least 1)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *days < 1 {
		return fmt.Errorf("archive: --retain-days must be at least 1, got %d", *days)
	}
	path := filepath.Join(d.dir, "pickpack.db")
	if !store.Exists(path) {
		return fmt.Errorf("archive: no data file at %s", path)
	}
	st, err := d.open(floor.SystemClock{})
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer st.Close()
	res, err := st.ArchiveRetaining(*days)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if res.Skipped {
		fmt.Fprintf(stdout, "nothing to move: everything before %s is archived already\n", res.Before.Format(time.DateOnly))
		return nil
	}
	fmt.Fprintf(stdout, "moved to %s: %d scans, %d movements, %d closed orders, %d tasks, %d waybills from before %s\n",
		filepath.Join(d.dir, "archive"), res.Scans, res.Movements, res.Orders, res.Tasks, res.Waybills, res.Before.Format(time.DateOnly))
	return nil
}

// retain runs the archive keeping days now and then every archiveEvery
// until ctx ends (days 0: never).
func retain(ctx context.Context, st *store.Store, days int, log *slog.Logger) {
	if days <= 0 {
		return
	}
	run := func() error {
		res, err := st.ArchiveRetaining(days)
		if err == nil && res.Moved() > 0 {
			log.Info("archived", "before", res.Before.Format(time.DateOnly), "scans", res.Scans, "movements", res.Movements,
				"orders", res.Orders, "tasks", res.Tasks, "waybills", res.Waybills)
		}
		return err
	}
	if err := run(); err != nil {
		log.Warn("archive", "err", err)
	}
	every(ctx, archiveEvery, log, "archive", run)
}
