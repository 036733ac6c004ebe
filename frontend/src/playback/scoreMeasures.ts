import type { OpenSheetMusicDisplay } from "opensheetmusicdisplay";

/** Where a measure is drawn (all its staves), in pixels from the top left of the drawn score. */
export interface MeasureBox {
  /** 1-based, as the time map numbers measures */
  measure: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** OSMD lays out in units of 10 pixels at zoom 1. */
const PIXELS_PER_UNIT = 10;
/** a staff is 4 units from its top line to its bottom line; a unit more each side takes in the noteheads there */
const STAFF_UNITS = 4;
const MARGIN_UNITS = 1;

/** The measures of a drawn score, from OSMD's layout (measure i of its list is measure i + 1 of the time map). */
export function measureBoxes(sheet: OpenSheetMusicDisplay): MeasureBox[] {
  const scale = PIXELS_PER_UNIT * sheet.Zoom;
  const list = sheet.GraphicSheet?.MeasureList ?? [];
  const boxes: MeasureBox[] = [];
  list.forEach((staves, i) => {
    const drawn = staves.filter((m) => m?.PositionAndShape);
    if (drawn.length === 0) return;
    const top = drawn[0].PositionAndShape;
    const bottom = drawn[drawn.length - 1].PositionAndShape;
    const y = top.AbsolutePosition.y - MARGIN_UNITS;
    boxes.push({
      measure: i + 1,
      x: top.AbsolutePosition.x * scale,
      y: y * scale,
      width: top.Size.width * scale,
      height: (bottom.AbsolutePosition.y + STAFF_UNITS + MARGIN_UNITS - y) * scale,
    });
  });
  return boxes;
}

/** The measure drawn at a point (pixels in the same frame as the boxes), or null between systems. */
export function measureAt(boxes: MeasureBox[], x: number, y: number): number | null {
  const box = boxes.find((b) => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height);
  return box ? box.measure : null;
}
