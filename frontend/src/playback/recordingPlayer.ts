import type { Player } from "./player";

/**
 * The original upload, played by an <audio> element: the browser's own time-stretch keeps the pitch
 * when the tempo changes (Chromium and Firefox down to the 25 % the tempo control allows).
 */
export function createRecordingPlayer(url: string, duration: number, onEnded: () => void): Player {
  const audio = new Audio();
  audio.preload = "auto";
  audio.src = url;
  audio.preservesPitch = true;
  audio.addEventListener("ended", onEnded);
  let rate = 1;

  return {
    get duration() {
      return Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration : duration;
    },
    async play() {
      audio.playbackRate = rate;
      await audio.play();
    },
    pause() {
      audio.pause();
    },
    seek(seconds: number) {
      audio.currentTime = Math.max(0, seconds);
    },
    setRate(next: number) {
      rate = next;
      audio.playbackRate = next;
    },
    seconds: () => audio.currentTime,
    dispose() {
      audio.pause();
      audio.removeEventListener("ended", onEnded);
      audio.removeAttribute("src");
      audio.load();
    },
  };
}
