package printing

import (
	"context"
	"log/slog"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// Jobs is the print queue as the store keeps it.
type Jobs interface {
	PrintJobs(open bool) ([]floor.PrintJob, error)
	StartPrint(id uint64) (floor.PrintJob, error)
	FinishPrint(id uint64, sendErr error, retryAfter time.Duration) (floor.PrintJob, error)
}

// Render makes the document of an order in a format.
type Render func(orderID, format string) ([]byte, error)

// Dispatcher sends queued jobs to their stations' printers.
type Dispatcher struct {
	Jobs   Jobs
	Config Config
	Render Render
	Log    *slog.Logger
	Clock  floor.Clock
	// Poll is how often the queue is looked at without a Wake; 1 s if 0.
	Poll time.Duration

	wake chan struct{}
}

// Wake asks the dispatcher to look at the queue now (a job was queued).
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Init prepares the dispatcher; call before Run and Wake.
func (d *Dispatcher) Init() *Dispatcher {
	d.wake = make(chan struct{}, 1)
	if d.Poll == 0 {
		d.Poll = time.Second
	}
	if d.Clock == nil {
		d.Clock = floor.SystemClock{}
	}
	return d
}

// Run sends jobs until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(d.Poll)
	defer t.Stop()
	for {
		d.Drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// backoff is the wait before retrying a failed send, growing with attempts.
func backoff(attempts int) time.Duration {
	return min(time.Duration(attempts)*2*time.Second, time.Minute)
}

// Drain sends every queued job that is due, once each.
func (d *Dispatcher) Drain(ctx context.Context) {
	jobs, err := d.Jobs.PrintJobs(true)
	if err != nil {
		d.Log.Error("print queue", "err", err)
		return
	}
	now := d.Clock.Now()
	for _, j := range jobs {
		if ctx.Err() != nil {
			return
		}
		if j.State != floor.PrintQueued || now.Before(j.NotBefore) {
			continue
		}
		j, err := d.Jobs.StartPrint(j.ID)
		if err != nil {
			continue // taken meanwhile
		}
		p := d.Config.For(j.Station)
		doc, err := d.Render(j.OrderID, p.Format)
		if err == nil {
			err = p.Send(ctx, j, doc)
		}
		if _, ferr := d.Jobs.FinishPrint(j.ID, err, backoff(j.Attempts)); ferr != nil {
			d.Log.Error("print job state", "job", j.ID, "err", ferr)
		}
		if err != nil {
			d.Log.Warn("print failed; will retry", "job", j.ID, "order", j.OrderID, "station", j.Station, "attempt", j.Attempts, "err", err)
		} else {
			d.Log.Info("printed", "job", j.ID, "order", j.OrderID, "station", j.Station, "printer", p.Kind)
		}
	}
}
