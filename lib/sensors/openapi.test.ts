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
    // The token is proven, never sent: no scheme carries it.
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['tokenProof', 'sensorCredential']);
  });
});
