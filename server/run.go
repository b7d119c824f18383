package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/route"
	"github.com/pickpack/pickpack/server/store"
)

// errUsage marks errors whose message is a usage text.
var errUsage = errors.New("usage")

// Run runs one command line (without the program name) until ctx ends.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "token":
		return tokenCmd(args, stdout, stderr)
	case "badge":
		return badgeCmd(ctx, args, stdout, stderr)
	case "import":
		return importCmd(ctx, args, stdout, stderr)
	case "plan":
		return planCmd(args, stdout, stderr)
	case "audit":
		return auditCmd(args, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args, stdout, stderr)
	case "restore":
		return restoreCmd(args, stdout, stderr)
	case "archive":
		return archiveCmd(args, stdout, stderr)
	case "cluster":
		return clusterCmd(ctx, args, stdout, stderr)
	case "digest":
		return digestCmd(args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  server [serve] [--addr 127.0.0.1:7070] [--data DIR] [--demo] [--tls-cert F --tls-key F]
  server token create --user NAME --role picker|packer|supervisor|admin [--data DIR]
  server badge --user NAME [--role ROLE] --out FILE.pdf [--data DIR]   print a sign-in badge
  server import binmap|skus|orders|shipping FILE [--format json|csv] [--dry-run] [--data DIR]
  server audit [--data DIR]            check a stopped server's data file; exit 1 on a problem
  server backup --to FILE [--http URL] [--token ADMIN]   copy a running server's data file
  server restore --from FILE [--data DIR] [--force]       put a backup in place for a stopped server
  server archive [--data DIR] [--retain-days 90]           move older history of a stopped server to DIR/archive
  server serve --node ID --cluster 'n1=RAFT/GRPC/HTTP,n2=...,n3=...' [--join] [--data DIR] [--tls-cert F --tls-key F --tls-ca CA]
                                       one node of a replicated site; with the TLS flags its ports, forwarding and Raft (mutual) are TLS
  server cluster status|join|leave --addr HTTP-OF-ANY-NODE [--token ADMIN] [--ca-cert CA] ...   read or change a site's membership
  server digest [--data DIR]           a stopped node's SHA-256 per bucket (equal on nodes that applied the same log)
  server plan --binmap FILE --bins CODE,CODE,... [--picker NAME --data DIR] [--explain]
Run "server COMMAND -h" for a command's flags.
`

// dataFlags are shared by every command that opens the data file.
type dataFlags struct {
	dir string
	sla time.Duration
	// channelSLAs holds "channel=duration" pairs.
	channelSLAs slaFlag
	// planner orders new tasks' stops (serve only).
	planner floor.TaskPlanner
	// paper says who picks from paper (serve only: the printer
	// configuration's "paper" stations).
	paper func(picker string) bool
}

func (d *dataFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dir, "data", "data", "directory of the data file (pickpack.db)")
	fs.DurationVar(&d.sla, "sla", floor.DefaultSLA, "pick-pack-handoff target from release to handoff")
	d.channelSLAs = slaFlag{}
	fs.Var(d.channelSLAs, "channel-sla", "per-channel target as CHANNEL=DURATION, e.g. express=10m (repeatable)")
}

// open opens (or creates, with its directory) the data file.
func (d *dataFlags) open(clock floor.Clock) (*store.Store, error) {
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return nil, err
	}
	return store.Open(filepath.Join(d.dir, "pickpack.db"), d.options(clock))
}

// options are the store's options from the flags.
func (d *dataFlags) options(clock floor.Clock) store.Options {
	return store.Options{Clock: clock, Planner: d.planner, Paper: d.paper, SLAs: floor.SLAs{Default: d.sla, PerChannel: d.channelSLAs}}
}

// slaFlag collects channel=duration pairs.
type slaFlag map[string]time.Duration

func (f slaFlag) String() string { return fmt.Sprint(map[string]time.Duration(f)) }

func (f slaFlag) Set(s string) error {
	ch, d, ok := strings.Cut(s, "=")
	dur, err := time.ParseDuration(d)
	if !ok || ch == "" || err != nil || dur <= 0 {
		return fmt.Errorf("want CHANNEL=DURATION like express=10m, got %s", floor.Quote(s))
	}
	var vs floor.Violations
	if floor.CheckText(&vs, "channel", ch, floor.MaxChannelLen); len(vs) > 0 {
		return fmt.Errorf("channel %s", vs[0].Description)
	}
	f[ch] = dur
	return nil
}

// parseFlags parses args, keeping flag's own messages on stderr.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	return nil
}

// plannerFlags tune the route planner for serve and plan.
type plannerFlags struct {
	familiarThreshold float64
	packAndHandoff    time.Duration
	maxBatch          int
}

func (p *plannerFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&p.familiarThreshold, "familiar-threshold", floor.DefaultFamiliarityThreshold,
		"familiarity score (recent, quick picks; each halves in a week) from which a bin counts as familiar")
	fs.DurationVar(&p.packAndHandoff, "pack-time", floor.DefaultPackAndHandoff, "predicted time from the end of picking to handoff")
	fs.IntVar(&p.maxBatch, "max-batch", 4, "most orders (totes) in one trip; 1 turns batching off")
}

func (p *plannerFlags) config() route.PlannerConfig {
	return route.PlannerConfig{FamiliarThreshold: p.familiarThreshold, PackAndHandoff: p.packAndHandoff, MaxBatch: p.maxBatch}
}

// feedConfig is the supervisors' view with the planner's rules, so that
// the simulation of the queue batches and packs as the planner does.
func (p *plannerFlags) feedConfig(shifts floor.Shifts) floor.FeedConfig {
	cfg := floor.DefaultFeedConfig
	cfg.PackAndHandoff, cfg.Shifts = p.packAndHandoff, shifts
	cfg.Queue.PackAndHandoff = p.packAndHandoff
	if p.maxBatch > 0 { // 0: the planner's default, which the queue model has too
		cfg.Queue.MaxBatch = p.maxBatch
	}
	return cfg
}
