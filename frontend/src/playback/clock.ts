import { useSyncExternalStore } from "react";

/**
 * The playback position, read 60 times a second while playing. Kept outside React state so that
 * only what shows the position (the time, the cursors) renders again, not the whole page.
 */
export class PlaybackClock {
  private value = 0;
  private listeners = new Set<() => void>();

  get seconds(): number {
    return this.value;
  }

  set(seconds: number) {
    if (seconds === this.value) return;
    this.value = seconds;
    this.listeners.forEach((listener) => listener());
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = () => this.value;
}

export function useClockSeconds(clock: PlaybackClock): number {
  return useSyncExternalStore(clock.subscribe, clock.getSnapshot);
}
