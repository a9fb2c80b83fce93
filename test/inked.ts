/**
 * The share of an image's pixels that are not (near) white, or -1 when the canvas may not be read:
 * axes, labels and a line already ink a few per cent of a figure, a blank or broken picture none.
 * Runs in the page: test/lab/page.ts bundles it, test/jupyter-smoke.test.ts injects its source.
 */
export function inked(img: HTMLImageElement): number {
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0);
  try {
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i]! < 240 || px[i + 1]! < 240 || px[i + 2]! < 240) ink++;
    return ink / (px.length / 4);
  } catch {
    return -1;
  }
}
