import { useId, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { formatDateTime, formatShortDateTime } from '@/lib/dates';
import { buildFlowGraph, fitLayout, RECIPIENT, type FlowLayout, type PlacedBox, type PlacedEdge } from '../flow-layout';
import type { FlowLike } from '../flow-types';
import { edgeLines, edgeSentence, edgeState, FLOW_STATUS_WORDS, lateWords, partyName, STEP_STATUS_WORDS, stepNode, stepStatusShort, words, type Tone } from '../flow-words';
import '../flows.css';

const TONE_WORDS: Record<Tone, string> = { done: 'done', running: 'under way', waiting: 'waiting', late: 'late', problem: 'needs attention', cancelled: 'cancelled' };

/** Cut a line to what fits a box (the box's tooltip and the tables below carry the whole text). */
const clip = (s: string, chars: number) => (s.length > chars ? `${s.slice(0, chars - 1)}…` : s);

/** The recipient in words: the name a hand-off gives it, else what kind it is. */
export function recipientName(flow: FlowLike): string {
  const r = flow.recipient;
  const to = [...flow.handoffs].reverse().find((h) => (r.type === 'pickup' ? h.to.type === 'member' && h.to.id === r.memberId : h.to.type === r.type && h.to.id === r.id));
  const name = to?.to.name ?? null;
  if (r.type === 'pickup') return `${name ?? 'a member'}, collecting at a pickup point`;
  return name ?? partyName({ type: r.type, name: null });
}

function stepSentence(flow: FlowLike, key: string): string {
  const s = flow.steps.find((x) => x.key === key)!;
  const late = lateWords(s.lateByMs);
  return `Step ${s.key} (${s.capability}): ${s.startQuantity} ${s.unit} of ${s.item}, by ${stepNode(s)}: ${words(STEP_STATUS_WORDS, s.status).toLowerCase()}${s.runs > 1 ? `, run ${s.runs}` : ''}; planned done ${formatDateTime(s.plannedDoneAt)}; ${s.doneAt ? `done ${formatDateTime(s.doneAt)}` : 'not done yet'}${late ? `; ${late}` : ''}.`;
}

function recipientSentence(flow: FlowLike, name: string): string {
  const status = flow.status === 'delivered' ? `delivered ${flow.deliveredAt ? formatDateTime(flow.deliveredAt) : ''}`.trim() : flow.status === 'running' ? 'not delivered yet' : words(FLOW_STATUS_WORDS, flow.status).toLowerCase();
  return `Recipient: ${name} gets ${flow.quantity} ${flow.unit}, due ${formatDateTime(flow.dueAt)}: ${status}.`;
}

const nameOf = (key: string, recipient = 'the recipient') => (key === RECIPIENT ? recipient : `step ${key}`);

function unitOf(flow: FlowLike, e: PlacedEdge): string {
  return flow.steps.find((s) => s.key === e.from)?.unit ?? '';
}

/** Tracks the width of the element the diagram sits in (null before it is measured, or where nothing measures). */
function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number | null] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

/**
 * A flow as a picture: a box per step (its capability, node, state, planned and actual done, and
 * lateness in words) and one for the recipient, an arrow per input with what moves on it (the
 * leg's carrier and state, or a direct hand-off at the same location). Left to right where it
 * fits, top to bottom where it does not (a phone); states have colour and words. Below it, the
 * same facts as tables, for screen readers and for reading.
 */
export function FlowDiagram({ flow, recipient, now }: { flow: FlowLike; recipient?: string; now: number }) {
  const graph = useMemo(() => buildFlowGraph(flow), [flow]);
  const [wrap, available] = useWidth<HTMLDivElement>();
  const layout = useMemo(() => fitLayout(graph, available), [graph, available]);
  const who = recipient ?? recipientName(flow);
  const id = useId();
  return (
    <>
      <figure className="flow-diagram">
        <div className="flow-diagram-scroll" ref={wrap}>
          <FlowSvg flow={flow} layout={layout} recipient={who} now={now} titleId={`${id}-title`} descId={`${id}-desc`} />
        </div>
        <figcaption className="small muted flow-legend">
          {(['waiting', 'running', 'done', 'late', 'problem'] as Tone[]).map((t) => (
            <span key={t}>
              <i className={`flow-swatch fd-${t}`} /> {TONE_WORDS[t]}
            </span>
          ))}
          {graph.inferred ? <span>The recipe’s inputs were not given: only the legs that exist are drawn.</span> : null}
        </figcaption>
      </figure>
      <FlowFacts flow={flow} layout={layout} recipient={who} />
    </>
  );
}

function FlowSvg({ flow, layout, recipient, now, titleId, descId }: { flow: FlowLike; layout: FlowLayout; recipient: string; now: number; titleId: string; descId: string }) {
  const markers = useId().replace(/:/g, '');
  const sentences = [...flow.steps.map((s) => stepSentence(flow, s.key)), ...layout.edges.map((e) => edgeSentence(e, nameOf(e.from), nameOf(e.to, recipient), unitOf(flow, e))), recipientSentence(flow, recipient)];
  return (
    <svg className="flow-svg" role="img" aria-labelledby={titleId} aria-describedby={descId} width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} data-orientation={layout.orientation}>
      <title id={titleId}>{`The flow of ${flow.recipeName}: ${flow.steps.length} step${flow.steps.length === 1 ? '' : 's'} to the recipient`}</title>
      <desc id={descId}>{sentences.join(' ')}</desc>
      <defs>
        {(['done', 'running', 'waiting', 'late', 'problem', 'cancelled'] as Tone[]).map((t) => (
          <marker key={t} id={`${markers}-${t}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0 L10 5 L0 10 z" className={`fd-arrow fd-${t}`} />
          </marker>
        ))}
      </defs>
      {layout.edges.map((e) => (
        <path key={e.key} d={e.d} className={`fd-edge fd-${e.tone}`} markerEnd={`url(#${markers}-${e.tone})`} />
      ))}
      {layout.edges.map((e) => (
        <EdgeLabel key={e.key} edge={e} sentence={edgeSentence(e, nameOf(e.from), nameOf(e.to, recipient), unitOf(flow, e))} width={layout.orientation === 'horizontal' ? layout.geometry.layerGap - 12 : Math.min(150, layout.geometry.boxWidth - 8)} />
      ))}
      {layout.boxes.map((b) => (b.kind === 'step' ? <StepBox key={b.key} box={b} sentence={stepSentence(flow, b.key)} now={now} /> : <RecipientBox key={b.key} box={b} flow={flow} name={recipient} sentence={recipientSentence(flow, recipient)} outputStep={layout.graph.outputStep} now={now} />))}
    </svg>
  );
}

function EdgeLabel({ edge, sentence, width }: { edge: PlacedEdge; sentence: string; width: number }) {
  const [a, b] = edgeLines(edge);
  const chars = Math.floor((width - 8) / 6);
  const h = b ? 34 : 20;
  return (
    <g className={`fd-label fd-${edge.tone}`} transform={`translate(${edge.labelX - width / 2} ${edge.labelY - h / 2})`}>
      <title>{sentence}</title>
      <rect width={width} height={h} rx={4} />
      <text x={width / 2} y={14} textAnchor="middle" className="fd-label-1">
        {clip(a, chars)}
      </text>
      {b ? (
        <text x={width / 2} y={28} textAnchor="middle" className="fd-label-2">
          {clip(b, chars)}
        </text>
      ) : null}
    </g>
  );
}

function Lines({ lines, width }: { lines: Array<{ text: string; className?: string }>; width: number }) {
  const chars = Math.floor((width - 16) / 6.6);
  return (
    <>
      {lines.map((l, i) => (
        <text key={i} x={8} y={20 + i * 17} className={l.className}>
          {clip(l.text, l.className === 'fd-head' ? chars - 2 : chars)}
        </text>
      ))}
    </>
  );
}

function LateBadge({ words: w, box }: { words: string; box: PlacedBox }) {
  const width = Math.min(box.width - 16, 12 + w.length * 6.4);
  return (
    <g className="fd-late" transform={`translate(8 ${box.height - 24})`}>
      <rect width={width} height={18} rx={9} />
      <text x={width / 2} y={13} textAnchor="middle">
        {w}
      </text>
    </g>
  );
}

function StepBox({ box, sentence, now }: { box: PlacedBox; sentence: string; now: number }) {
  const s = box.step!;
  const late = lateWords(s.lateByMs);
  return (
    <g className={`fd-box fd-${box.tone}`} transform={`translate(${box.x} ${box.y})`} data-step={s.key}>
      <title>{sentence}</title>
      <rect width={box.width} height={box.height} rx={6} />
      <Lines
        width={box.width}
        lines={[
          { text: `${s.key} · ${s.capability}`, className: 'fd-head' },
          { text: stepNode(s) },
          { text: `${s.startQuantity} ${s.unit} ${s.item}`, className: 'fd-muted' },
          { text: stepStatusShort(s), className: 'fd-status' },
          { text: `due ${formatShortDateTime(s.plannedDoneAt, new Date(now))}`, className: 'fd-muted' },
          { text: s.doneAt ? `done ${formatShortDateTime(s.doneAt, new Date(now))}` : 'not done yet', className: 'fd-muted' },
        ]}
      />
      {late ? <LateBadge words={late} box={box} /> : null}
    </g>
  );
}

function RecipientBox({ box, flow, name, sentence, outputStep, now }: { box: PlacedBox; flow: FlowLike; name: string; sentence: string; outputStep: string | null; now: number }) {
  const tone: Tone = flow.status === 'delivered' ? 'done' : flow.status === 'cancelled' ? 'cancelled' : flow.status === 'failed' ? 'problem' : 'waiting';
  const output = flow.steps.find((s) => s.key === outputStep) ?? null;
  const late = flow.status === 'running' && now > Date.parse(flow.dueAt) ? lateWords(now - Date.parse(flow.dueAt)) : null;
  return (
    <g className={`fd-box fd-recipient fd-${tone}`} transform={`translate(${box.x} ${box.y})`} data-step="recipient">
      <title>{sentence}</title>
      <rect width={box.width} height={box.height} rx={6} />
      <Lines
        width={box.width}
        lines={[
          { text: 'Recipient', className: 'fd-head' },
          { text: name },
          { text: `${flow.quantity} ${flow.unit}${output ? ` ${output.item}` : ''}`, className: 'fd-muted' },
          { text: flow.status === 'running' ? 'waiting for it' : words(FLOW_STATUS_WORDS, flow.status).toLowerCase(), className: 'fd-status' },
          { text: `due ${formatShortDateTime(flow.dueAt, new Date(now))}`, className: 'fd-muted' },
          { text: flow.deliveredAt ? `delivered ${formatShortDateTime(flow.deliveredAt, new Date(now))}` : 'not delivered yet', className: 'fd-muted' },
        ]}
      />
      {late ? <LateBadge words={late} box={box} /> : null}
    </g>
  );
}

/** The diagram's facts as tables: one row per step, one per edge (what moves from where to where). */
function FlowFacts({ flow, layout, recipient }: { flow: FlowLike; layout: FlowLayout; recipient: string }) {
  return (
    <>
      <div className="table-wrap">
        <table className="cards" aria-label="Steps of the flow">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Node</th>
              <th scope="col">State</th>
              <th scope="col">Planned done</th>
              <th scope="col">Done</th>
            </tr>
          </thead>
          <tbody>
            {flow.steps.map((s) => {
              const late = lateWords(s.lateByMs);
              return (
                <tr key={s.key}>
                  <th scope="row">
                    {s.key} <span className="small muted">({s.capability})</span>
                    <div className="small muted">
                      {s.startQuantity} {s.unit} of {s.item}
                      {s.startQuantity !== s.goodQuantity ? ` (${s.goodQuantity} good expected)` : ''}
                    </div>
                  </th>
                  <td data-label="Node">{stepNode(s)}</td>
                  <td data-label="State">
                    {words(STEP_STATUS_WORDS, s.status)}
                    {s.runs > 1 ? <span className="small muted"> · run {s.runs}</span> : null}
                    {late ? (
                      <>
                        {' '}
                        <span className="badge badge-warn">{late}</span>
                      </>
                    ) : null}
                  </td>
                  <td data-label="Planned done">{formatDateTime(s.plannedDoneAt)}</td>
                  <td data-label="Done">{s.doneAt ? formatDateTime(s.doneAt) : 'not yet'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="table-wrap">
        <table className="cards" aria-label="How the steps’ outputs move">
          <thead>
            <tr>
              <th scope="col">From → to</th>
              <th scope="col">How it moves</th>
            </tr>
          </thead>
          <tbody>
            {layout.edges.map((e) => {
              const to = e.to === RECIPIENT ? recipient : nameOf(e.to);
              return (
                <tr key={e.key}>
                  <th scope="row">
                    {nameOf(e.from)} → {to}
                    {e.perUnit !== null ? (
                      <div className="small muted">
                        {e.perUnit} {unitOf(flow, e)} per unit
                      </div>
                    ) : null}
                  </th>
                  <td data-label="How it moves">{edgeState(e, unitOf(flow, e))}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
