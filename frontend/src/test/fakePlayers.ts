/** Players that keep time by hand, for tests of the playback controls (no Web Audio in jsdom). */
import { vi } from "vitest";
import type { Player } from "../playback/player";

export interface FakePlayer extends Player {
  now: number;
  rate: number;
  playing: boolean;
  play: ReturnType<typeof vi.fn> & Player["play"];
  pause: ReturnType<typeof vi.fn> & Player["pause"];
  seek: ReturnType<typeof vi.fn> & Player["seek"];
  setRate: ReturnType<typeof vi.fn> & Player["setRate"];
}

export function fakePlayer(duration: number): FakePlayer {
  const player = {
    now: 0,
    rate: 1,
    playing: false,
    duration,
    play: vi.fn(async () => {
      player.playing = true;
    }),
    pause: vi.fn(() => {
      player.playing = false;
    }),
    seek: vi.fn((s: number) => {
      player.now = s;
    }),
    setRate: vi.fn((r: number) => {
      player.rate = r;
    }),
    seconds: () => player.now,
    dispose: vi.fn(),
  };
  return player as FakePlayer;
}
