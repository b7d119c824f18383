package printing

import (
	"context"
	"errors"
	"fmt"
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

// Render makes the document of an order in a format, stopping when ctx
// ends.
type Render func(ctx context.Context, orderID, format string) ([]byte, error)

// DefaultRenderTimeout bounds the rendering of one job's document: a
// document that takes longer fails the job (shown in its LastError and
// retried later) instead of holding up the queue.
const DefaultRenderTimeout = 10 * time.Second

// Dispatcher sends queued jobs to their stations' printers.
type Dispatcher struct {
	Jobs   Jobs
	Config Config
	Render Render
	// RenderTask makes a paper task's sheet (its id in place of an
	// order's) for jobs with a TaskID.
	RenderTask Render
	Log        *slog.Logger
	Clock      floor.Clock
	// Poll is how often the queue is looked at without a Wake; 1 s if 0.
	Poll time.Duration
	// RenderTimeout bounds the rendering of one job's document;
	// DefaultRenderTimeout if 0.
	RenderTimeout time.Duration

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
	if d.RenderTimeout == 0 {
		d.RenderTimeout = DefaultRenderTimeout
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
		doc, err := d.render(ctx, j, p.Format)
		if err == nil {
			err = p.Send(ctx, j, doc)
		}
		if _, ferr := d.Jobs.FinishPrint(j.ID, err, backoff(j.Attempts)); ferr != nil {
			d.Log.Error("print job state", "job", j.ID, "err", ferr)
		}
		if err != nil {
			d.Log.Warn("print failed; will retry", "job", j.ID, "order", j.OrderID, "task", j.TaskID, "station", j.Station, "attempt", j.Attempts, "err", err)
		} else {
			d.Log.Info("printed", "job", j.ID, "order", j.OrderID, "task", j.TaskID, "station", j.Station, "printer", p.Kind)
		}
	}
}

// render renders a job's document within the render timeout: an order's
// documents, or a paper task's sheet.
func (d *Dispatcher) render(ctx context.Context, j floor.PrintJob, format string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, d.RenderTimeout)
	defer cancel()
	render, id := d.Render, j.OrderID
	if j.TaskID != "" {
		render, id = d.RenderTask, j.TaskID
	}
	if render == nil {
		return nil, errors.New("no renderer for task sheets")
	}
	doc, err := render(ctx, id, format)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("render timeout %s: %w", d.RenderTimeout, err)
	}
	return doc, err
}
