import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { FailoverPanel } from '../../components/ha/FailoverPanel.tsx';
import { RoleTimeline } from '../../components/ha/RoleTimeline.tsx';
import type { FailoverStatus } from '../../lib/failover/hook.ts';
import type { TimelineEntry } from '../../lib/failover/timeline.ts';

// The failover panels as the server renders them: what the end-to-end tests and a screen reader rely on.

const PEER = { domain: 'otc-b.plant.test', url: 'https://10.0.0.2/' };
const T = Date.UTC(2026, 11, 2, 8, 0, 0);
const frozenPrimary: FailoverStatus = {
  role: 'PRIMARY',
  mode: 'FROZEN',
  term: 6,
  termKnown: true,
  lease: { held: false, remainingMs: null, by: null },
  votes: { self: 1, peer: 4, registered: 5, confirmed: 0 },
  peer: { term: 6, mode: 'ACTIVE', reachable: true },
  handover: null,
  history: [
    { at: T, self: 5, peer: 0 },
    { at: T + 1000, self: 1, peer: 4 },
  ],
};

const text = (html: string, testId: string) => {
  const m = new RegExp(`data-testid="${testId}"[^>]*>([\\s\\S]*?)</dd>`).exec(html);
  return m ? m[1]!.replace(/<[^>]+>/g, '').replace(/<!-- -->/g, '') : null;
};

describe('the failover panel', () => {
  it('names the peer as the active console with a link to it, and says why this console may not write', () => {
    const html = renderToStaticMarkup(createElement(FailoverPanel, { status: frozenPrimary, peer: PEER }));
    expect(html).toMatch(/data-testid="failover-active"[^>]*><a href="https:\/\/10\.0\.0\.2\/"[^>]*>otc-b\.plant\.test<\/a>/);
    expect(text(html, 'failover-term')).toBe('6');
    expect(text(html, 'failover-lease')).toBe('Not held: this console is frozen, not active');
    expect(text(html, 'failover-votes-self')).toBe('1 of 5 sensors; 0 for the whole confirmation time (a takeover needs 3)');
    expect(text(html, 'failover-votes-peer')).toBe('4 of 5 sensors');
  });

  it('draws the chart as an image named by its summary, with a title and axis labels', () => {
    const html = renderToStaticMarkup(createElement(FailoverPanel, { status: frozenPrimary, peer: PEER }));
    const svg = /<svg[^>]*role="img"[^>]*>[\s\S]*?<\/svg>/.exec(html)![0];
    expect(svg).toContain(
      'aria-label="Sensors voting for each console over the last 10 minutes, of 5 registered: this console 1 now (lowest 1, highest 5); otc-b.plant.test 4 now (lowest 0, highest 4)."',
    );
    expect(svg).toContain('<title>Sensors voting for each console</title>');
    expect(svg).toContain('>Sensors</text>');
    expect(svg).toContain('>Time (last 10 minutes)</text>');
    expect(svg).toMatch(/<path d="M\S+ \S+H\S+V\S+"/);
  });
});

describe('the role timeline', () => {
  const entry: TimelineEntry = {
    id: 'peer-id:3',
    at: '2026-12-02T08:00:01.250Z',
    action: 'ha.takeover',
    console: 'peer',
    consoleName: PEER.domain,
    from: 'STANDBY',
    to: 'ACTIVE',
    term: '6',
    reason: '4 of 5 sensors voted for it for 1.75 s',
    fresh: 4,
    confirmed: 4,
    registered: 5,
  };

  it('lists each change with its UTC time, console, modes, term and reason', () => {
    const html = renderToStaticMarkup(createElement(RoleTimeline, { timeline: [entry] }));
    const row = /<tr[^>]*data-testid="role-change"[^>]*>([\s\S]*?)<\/tr>/.exec(html)![1]!;
    const cells = [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) =>
      c[1]!
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
    expect(cells).toEqual([
      '2026-12-02 08:00:01 UTC',
      PEER.domain,
      'Takeover Standby → Active',
      '6',
      '4 of 5 sensors voted for it for 1.75 s 4 voting, 4 confirmed of 5 registered',
    ]);
  });

  it('says when there is none yet', () => {
    expect(renderToStaticMarkup(createElement(RoleTimeline, { timeline: [] }))).toContain('No role change has been recorded yet.');
  });
});
