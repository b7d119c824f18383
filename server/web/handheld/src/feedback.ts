// Feedback a picker notices without looking: the whole screen takes the
// verdict's colour, a sound says right or wrong (different in pitch and
// rhythm, so they are told apart in a noisy aisle), and the device
// vibrates on a wrong scan.

/** How a verdict looks and sounds. */
export type Tone = "right" | "done" | "wrong" | "held" | "idle";

let audio: AudioContext | null = null;

/** Makes the sounds playable: browsers allow audio only after a gesture,
 * and a scanner's keystrokes count as one. Cheap once done: called on
 * every key and tap. */
export function unlockAudio(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === "suspended") void audio.resume();
  } catch {
    audio = null;
  }
}

function beep(freq: number, start: number, ms: number, type: OscillatorType = "square"): void {
  if (!audio) return;
  const t = audio.currentTime + start / 1000;
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.type = type;
  osc.frequency.value = freq;
  gain.gain.setValueAtTime(0.0001, t);
  gain.gain.exponentialRampToValueAtTime(0.5, t + 0.01);
  gain.gain.setValueAtTime(0.5, t + ms / 1000 - 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, t + ms / 1000);
  osc.connect(gain).connect(audio.destination);
  osc.start(t);
  osc.stop(t + ms / 1000 + 0.02);
}

function sound(tone: Tone): void {
  switch (tone) {
    case "right":
      beep(1760, 0, 90, "sine");
      break;
    case "done":
      beep(1319, 0, 90, "sine");
      beep(1760, 110, 90, "sine");
      beep(2093, 220, 160, "sine");
      break;
    case "wrong":
      beep(220, 0, 220);
      beep(180, 260, 320);
      break;
    case "held":
      beep(880, 0, 60, "triangle");
      break;
  }
}

function vibrate(tone: Tone): void {
  if (!("vibrate" in navigator)) return;
  switch (tone) {
    case "wrong":
      navigator.vibrate([250, 100, 250]);
      break;
    case "done":
      navigator.vibrate([60, 60, 60]);
      break;
    case "right":
      navigator.vibrate(40);
      break;
  }
}

let last = { tone: "idle" as Tone, seq: 0 };

/** Shows a verdict: the screen's colour, the words, the sound and the
 * buzz. The colour stays until the next verdict, so a glance later still
 * tells how the last scan went. */
export function verdict(tone: Tone, words: string): void {
  // Set only when different: the same value again would still have the
  // whole page's style worked out anew.
  if (document.body.dataset.verdict !== tone) document.body.dataset.verdict = tone;
  const el = document.getElementById("verdict")!;
  if (el.textContent !== words) el.textContent = words;
  el.dataset.seq = String(++last.seq);
  last.tone = tone;
  sound(tone);
  vibrate(tone);
}

/** Clears the verdict (a new screen). */
export function clearVerdict(): void {
  document.body.dataset.verdict = "idle";
  document.getElementById("verdict")!.textContent = "";
}
