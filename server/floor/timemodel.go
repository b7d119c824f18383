package floor

import "time"

// PickerModel is one picker's learned pace, used to predict task times.
// Each figure is an exponentially weighted mean of the picker's own scans,
// so it follows them as they get faster, and starts from the defaults.
type PickerModel struct {
	WalkSpeed      float64       // metres per second
	StopFamiliar   time.Duration // at a familiar pick face, before the first unit
	StopUnfamiliar time.Duration // at an unfamiliar one: searching takes longer
	PerUnit        time.Duration // each unit taken
	Samples        int           // scans learned from; zero means all defaults
}

// Default pace of a picker with no history, and of the pack station.
var DefaultPickerModel = PickerModel{
	WalkSpeed:      1.0,
	StopFamiliar:   8 * time.Second,
	StopUnfamiliar: 20 * time.Second,
	PerUnit:        3 * time.Second,
}

// DefaultPackAndHandoff is the time from the end of picking to handoff.
const DefaultPackAndHandoff = 3 * time.Minute

// learnRate is the weight of a new observation in the running means.
const learnRate = 0.1

func ewma(old, sample float64) float64 { return old + learnRate*(sample-old) }

// LearnWalk folds in a walk of metres that took d.
func (m PickerModel) LearnWalk(metres float64, d time.Duration) PickerModel {
	if metres < 1 || d <= 0 {
		return m // too short to tell a pace from
	}
	speed := metres / d.Seconds()
	if speed < 0.1 || speed > 3 { // a break, or a clock jump: not walking
		return m
	}
	m.WalkSpeed = ewma(m.WalkSpeed, speed)
	m.Samples++
	return m
}

// LearnStop folds in the time spent at a face before the first unit.
func (m PickerModel) LearnStop(familiar bool, d time.Duration) PickerModel {
	if d <= 0 || d > 10*time.Minute {
		return m
	}
	p := &m.StopUnfamiliar
	if familiar {
		p = &m.StopFamiliar
	}
	*p = time.Duration(ewma(float64(*p), float64(d)))
	m.Samples++
	return m
}

// LearnUnit folds in the time one further unit took.
func (m PickerModel) LearnUnit(d time.Duration) PickerModel {
	if d <= 0 || d > 2*time.Minute {
		return m
	}
	m.PerUnit = time.Duration(ewma(float64(m.PerUnit), float64(d)))
	m.Samples++
	return m
}

// Walk predicts the time to walk metres.
func (m PickerModel) Walk(metres float64) time.Duration {
	return time.Duration(metres / m.WalkSpeed * float64(time.Second))
}

// Stop predicts the time at one pick face taking units.
func (m PickerModel) Stop(familiar bool, units int64) time.Duration {
	d := m.StopUnfamiliar
	if familiar {
		d = m.StopFamiliar
	}
	return d + time.Duration(units)*m.PerUnit
}

// PickEvent is one visit to a pick face as the handheld's scans saw it:
// the learning input for familiarity and pace.
type PickEvent struct {
	Bin, SKU   string
	At         time.Time     // the bin scan
	Familiar   bool          // as the task planned it
	WalkMeters float64       // from the previous stop (or the pack station)
	Walked     time.Duration // from the previous stop's last scan to this bin scan
	AtFace     time.Duration // from the bin scan to the first unit
	Units      int64
	UnitsTook  time.Duration // from the first unit to the last
}

// Learn folds one pick event into the model.
func (m PickerModel) Learn(e PickEvent) PickerModel {
	m = m.LearnWalk(e.WalkMeters, e.Walked).LearnStop(e.Familiar, e.AtFace)
	if e.Units > 1 {
		m = m.LearnUnit(e.UnitsTook / time.Duration(e.Units-1))
	}
	return m
}
