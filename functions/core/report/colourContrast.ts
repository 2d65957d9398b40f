/**
 * @module WCAG colour contrast for brand colours: an MSSP's accent may be too light to read as
 * text on white, so text uses a darkened shade that reaches 4.5:1 while borders keep the brand hue.
 */

function channels(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  return [0, 2, 4].map((i) => Number.parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG 2.x relative luminance of an sRGB colour. */
function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Contrast ratio between two colours, 1–21. */
function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function toHex(rgb: readonly number[]): string {
  return `#${rgb
    .map((v) =>
      Math.round(Math.max(0, Math.min(255, v)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** The colour itself when it reads on `background` at `minimum`:1, else the lightest darker shade that does. */
function readableOn(colour: string, background = '#ffffff', minimum = 4.5): string {
  if (contrastRatio(colour, background) >= minimum) return colour.toLowerCase();
  const rgb = channels(colour);
  for (let f = 0.95; f > 0; f -= 0.05) {
    const shade = toHex(rgb.map((v) => v * f));
    if (contrastRatio(shade, background) >= minimum) return shade;
  }
  return '#000000';
}

export { contrastRatio, readableOn };
