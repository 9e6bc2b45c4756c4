import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sensorProtocolOpenApi, sensorProtocolOpenApiText } from './openapi.ts';

describe('sensor protocol OpenAPI document', () => {
  it('is generated from the zod schemas and the committed file is current', () => {
    expect(readFileSync('docs/sensor-protocol.openapi.json', 'utf8'), 'run: node --import tsx scripts/openapi.ts').toBe(
      sensorProtocolOpenApiText(),
    );
  });

  it('describes the four endpoints with their schemas, strict request bodies and limits', () => {
    const doc = sensorProtocolOpenApi();
    expect(Object.keys(doc.paths)).toEqual([
      '/api/v1/sensors/register/challenge',
      '/api/v1/sensors/register',
      '/api/v1/sensors/heartbeat',
      '/api/v1/sensors/events',
    ]);
    const events = doc.components.schemas.EventsRequest as unknown as {
      additionalProperties: boolean;
      properties: { events: { maxItems: number; minItems: number } };
    };
    expect(events.additionalProperties).toBe(false);
    expect(events.properties.events).toMatchObject({ minItems: 1, maxItems: 500 });
    expect(doc.components.schemas.RegisterRequest).toMatchObject({ required: ['protocol', 'name', 'version', 'clock'] });
    expect(doc.components.schemas.RegisterChallengeRequest).toMatchObject({
      required: ['protocol', 'clientNonce'],
      additionalProperties: false,
    });
    // The failover fields are optional, so agents and consoles from before them still talk to each other.
    const beat = doc.components.schemas.HeartbeatRequest as unknown as { required: string[]; properties: Record<string, unknown> };
    expect(beat.required).toEqual(['protocol', 'version', 'clock', 'highestTerm', 'counters']);
    expect(Object.keys(beat.properties)).toEqual(expect.arrayContaining(['stamp', 'probe']));
    const answer = doc.components.schemas.HeartbeatResponse as unknown as {
      required: string[];
      properties: Record<string, { enum?: string[] }>;
    };
    expect(answer.required).not.toContain('stamp');
    expect(answer.required).not.toContain('active');
    expect(answer.properties.active!.enum).toEqual(['self', 'peer', 'unknown']);
    // The token is proven, never sent: no scheme carries it.
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['tokenProof', 'sensorCredential']);
  });
});
