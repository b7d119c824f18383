package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// The operations admin's switch: a station with "paper": true in the
// --printers file makes that user a paper picker, whose NextTask prints
// the task's sheet on that station's printer (here a spool directory).
func TestServePaperStationPrintsSheetAtNextTask(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, "sheets")
	cfg := filepath.Join(dir, "printers.json")
	if err := os.WriteFile(cfg, []byte(`{"default": {"kind": "spool", "dir": "`+filepath.Join(dir, "spool")+`"},
		"stations": {"demo-picker": {"kind": "spool", "dir": "`+spool+`", "paper": true}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--demo", "--demo-every", "0", "--printers", cfg)
	conn := s.dial(t)
	next, err := pb.NewPickServiceClient(conn).NextTask(bearer(s.tokens["picker"]), &pb.NextTaskRequest{})
	if err != nil || !next.GetTask().GetPaper() {
		t.Fatalf("demo-picker's next task: %v, %v; want a paper task", next, err)
	}
	// The dispatcher sends in the background; the job's state says when.
	deadline := time.Now().Add(20 * time.Second)
	for {
		jobs, err := pb.NewPackServiceClient(conn).ListPrintJobs(bearer(s.tokens["admin"]), &pb.ListPrintJobsRequest{IncludeSent: true})
		if err != nil || len(jobs.GetJobs()) != 1 || jobs.GetJobs()[0].GetTaskId() != next.GetTask().GetId() {
			t.Fatalf("print jobs: %v, %v; want the task's sheet only", jobs, err)
		}
		if j := jobs.GetJobs()[0]; j.GetState() == pb.PrintJobState_PRINT_JOB_STATE_SENT {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the sheet was not sent: %v", j)
		}
		time.Sleep(20 * time.Millisecond)
	}
	pdf, err := os.ReadFile(filepath.Join(spool, "job-000001.pdf"))
	if err != nil || len(pdf) < 1000 || string(pdf[:5]) != "%PDF-" {
		t.Fatalf("the sheet in the station's spool: %d bytes, %v", len(pdf), err)
	}
}
