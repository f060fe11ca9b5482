import { useId } from 'react';

export interface Bar {
  label: string;
  value: number;
  /** The value as people read it: "€18,000.00", "3 leads". */
  display: string;
}

const ROW_HEIGHT = 28;
const LABEL_WIDTH = 180;
const VALUE_WIDTH = 120;
const BAR_WIDTH = 300;

const shorten = (text: string, max = 26) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Horizontal bars, drawn as inline SVG. For screen readers it is one image with a title and a
 * description; the same numbers are in the table beside it, so nothing is only in the picture.
 */
export function BarChart({
  title,
  description,
  bars,
  max,
}: {
  title: string;
  description: string;
  bars: Bar[];
  /** The value a full-length bar stands for; the largest bar when not given. */
  max?: number;
}) {
  const id = useId();
  const scale = Math.max(max ?? 0, ...bars.map((b) => b.value), 1);
  const height = Math.max(bars.length, 1) * ROW_HEIGHT + 8;
  const width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH;
  return (
    <figure className="bar-chart">
      <svg
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        preserveAspectRatio="xMinYMin meet"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {bars.map((bar, index) => {
          const y = index * ROW_HEIGHT + 4;
          const length = bar.value > 0 ? Math.max(2, (bar.value / scale) * BAR_WIDTH) : 0;
          return (
            <g key={`${bar.label}-${index}`} aria-hidden="true">
              <text x={LABEL_WIDTH - 8} y={y + 17} textAnchor="end" className="bar-chart__label">
                {shorten(bar.label)}
              </text>
              <rect
                x={LABEL_WIDTH}
                y={y + 4}
                width={BAR_WIDTH}
                height={ROW_HEIGHT - 10}
                className="bar-chart__track"
              />
              <rect
                x={LABEL_WIDTH}
                y={y + 4}
                width={length}
                height={ROW_HEIGHT - 10}
                className="bar-chart__bar"
              />
              <text x={LABEL_WIDTH + BAR_WIDTH + 8} y={y + 17} className="bar-chart__value">
                {bar.display}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="bar-chart__caption">{title}</figcaption>
    </figure>
  );
}
