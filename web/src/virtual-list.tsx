import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from '@tanstack/virtual-core';
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';

/**
 * A list that renders only the rows in view (TanStack Virtual's headless core), so 2,000 conversations
 * cost the same to draw as 20. Rows have a fixed height.
 */
export function VirtualList<T>(props: {
  items: readonly T[];
  rowHeight: number;
  label: string;
  keyOf: (item: T) => string;
  render: (item: T, index: number) => ComponentChildren;
  scrollToIndex?: number;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [virtualizer] = useState(
    () =>
      new Virtualizer<HTMLDivElement, Element>({
        count: props.items.length,
        getScrollElement: () => scrollRef.current,
        estimateSize: () => props.rowHeight,
        overscan: 8,
        scrollToFn: elementScroll,
        observeElementRect,
        observeElementOffset,
        onChange: () => rerender(undefined),
      }),
  );
  virtualizer.setOptions({ ...virtualizer.options, count: props.items.length, estimateSize: () => props.rowHeight });
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => virtualizer._willUpdate());
  useEffect(() => {
    if (props.scrollToIndex !== undefined && props.scrollToIndex >= 0) virtualizer.scrollToIndex(props.scrollToIndex, { align: 'auto' });
  }, [props.scrollToIndex, virtualizer]);

  return (
    <div ref={scrollRef} class="virtual-scroll" role="listbox" aria-label={props.label}>
      <div style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => {
          const item = props.items[row.index];
          if (item === undefined) return null;
          return (
            <div key={props.keyOf(item)} class="virtual-row" style={{ transform: `translateY(${row.start}px)`, height: `${props.rowHeight}px` }}>
              {props.render(item, row.index)}
            </div>
          );
        })}
      </div>
    </div>
  );
}
