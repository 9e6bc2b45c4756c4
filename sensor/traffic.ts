import type { SensorEventInput } from '../lib/sensors/protocol.ts';
import { createRandom, hashSeed, type Random } from './prng.ts';

// Simulated OT traffic as a sensor on a plant network would report it: first the devices it discovers
// (PLCs, RTUs, HMIs, engineering workstations), then a stream of alerts in the flavour of Modbus, S7 and
// DNP3 incidents, with the occasional new device or firmware change. Pure: a seeded PRNG, no clock reads
// (the caller passes `at`), no I/O.

type SeqLess<T> = T extends unknown ? Omit<T, 'seq'> : never;
export type NewEvent = SeqLess<SensorEventInput>;
export type Protocol = SensorEventInput['protocol'];

type Role = 'PLC' | 'RTU' | 'HMI' | 'EWS' | 'Historian' | 'Gateway';
type Model = { role: Role; vendor: string; model: string; protocol: Protocol; oui: string; firmwares: readonly string[] };

// Vendor OUIs are real prefixes; the rest of each MAC comes from the seed.
const MODELS: readonly Model[] = [
  {
    role: 'PLC',
    vendor: 'Siemens',
    model: 'SIMATIC S7-1500 CPU 1516-3 PN/DP',
    protocol: 's7',
    oui: '00:1b:1b',
    firmwares: ['V2.8.3', 'V2.9.4', 'V3.0.1'],
  },
  {
    role: 'PLC',
    vendor: 'Siemens',
    model: 'SIMATIC S7-1200 CPU 1215C',
    protocol: 's7',
    oui: '00:1c:06',
    firmwares: ['V4.4.0', 'V4.5.2', 'V4.6.1'],
  },
  {
    role: 'PLC',
    vendor: 'Schneider Electric',
    model: 'Modicon M580 BMEP582040',
    protocol: 'modbus',
    oui: '00:80:f4',
    firmwares: ['3.10', '3.20', '4.01'],
  },
  {
    role: 'PLC',
    vendor: 'Schneider Electric',
    model: 'Modicon M340 BMXP342020',
    protocol: 'modbus',
    oui: '00:80:f4',
    firmwares: ['3.30', '3.40'],
  },
  {
    role: 'PLC',
    vendor: 'Rockwell Automation',
    model: 'ControlLogix 5580 1756-L83E',
    protocol: 'ethernet-ip',
    oui: '00:00:bc',
    firmwares: ['32.011', '33.011', '34.014'],
  },
  { role: 'RTU', vendor: 'SEL', model: 'SEL-3530 RTAC', protocol: 'dnp3', oui: '00:30:a7', firmwares: ['R148-V2', 'R150-V1'] },
  { role: 'RTU', vendor: 'GE Vernova', model: 'D20MX', protocol: 'dnp3', oui: '00:a0:db', firmwares: ['3.10.0', '3.12.2'] },
  { role: 'RTU', vendor: 'ABB', model: 'RTU560 CMU 560CMR02', protocol: 'iec104', oui: '00:02:a3', firmwares: ['13.2.1', '13.4.0'] },
  {
    role: 'HMI',
    vendor: 'Siemens',
    model: 'SIMATIC HMI TP1200 Comfort',
    protocol: 's7',
    oui: '00:1b:1b',
    firmwares: ['V17.0.0', 'V18.0.0'],
  },
  { role: 'HMI', vendor: 'AVEVA', model: 'InTouch HMI 2023 on Windows 10 IoT', protocol: 'opc-ua', oui: '00:15:5d', firmwares: ['23.1.0'] },
  {
    role: 'EWS',
    vendor: 'Dell',
    model: 'Precision 3660 engineering workstation (TIA Portal V18)',
    protocol: 'other',
    oui: 'b0:7b:25',
    firmwares: ['BIOS 2.14.0'],
  },
  { role: 'Historian', vendor: 'OSIsoft', model: 'PI Data Archive 2018 SP3', protocol: 'opc-ua', oui: '00:50:56', firmwares: ['3.4.430'] },
  { role: 'Gateway', vendor: 'Moxa', model: 'MGate MB3180 Modbus gateway', protocol: 'modbus', oui: '00:90:e8', firmwares: ['2.2', '2.3'] },
  {
    role: 'Gateway',
    vendor: 'Johnson Controls',
    model: 'Metasys NAE55 BACnet supervisor',
    protocol: 'bacnet',
    oui: '00:40:ae',
    firmwares: ['11.0.0', '12.0.2'],
  },
];

export type Device = { key: string; ip: string; role: Role; vendor: string; model: string; protocol: Protocol; firmware: string };

type Alert = Extract<NewEvent, { kind: 'alert' }>;
type DeviceReport = Extract<NewEvent, { kind: 'device' }>;

export type Traffic = {
  next: (at: number) => NewEvent;
  devices: () => readonly Device[];
  // Packets the sensor would have inspected in `elapsedMs` (a heartbeat counter).
  packets: (elapsedMs: number) => number;
};

const hex = (r: Random) => r.int(0, 255).toString(16).padStart(2, '0');

function makeDevice(r: Random, subnet: string, usedHosts: Set<number>, model = r.pick(MODELS)): Device {
  let host = r.int(10, 250);
  while (usedHosts.has(host)) host = host >= 250 ? 10 : host + 1;
  usedHosts.add(host);
  return {
    key: `${model.oui}:${hex(r)}:${hex(r)}:${hex(r)}`,
    ip: `${subnet}.${host}`,
    role: model.role,
    vendor: model.vendor,
    model: model.model,
    protocol: model.protocol,
    firmware: r.pick(model.firmwares),
  };
}

function report(device: Device, at: number): DeviceReport {
  return {
    kind: 'device',
    at,
    key: device.key,
    protocol: device.protocol,
    ip: device.ip,
    vendor: device.vendor,
    model: device.model,
    firmware: device.firmware,
  };
}

export function createTraffic(seed: number | string): Traffic {
  const r = createRandom(typeof seed === 'number' ? seed : hashSeed(seed));
  // The inventory is a function of the seed alone, so a restarted sensor sees the same plant.
  const plant = createRandom(r.int(0, 2 ** 31));
  const subnet = `10.${plant.int(1, 254)}.${plant.int(0, 254)}`;
  const used = new Set<number>();
  const ews = makeDevice(
    plant,
    subnet,
    used,
    MODELS.find((m) => m.role === 'EWS'),
  );
  const devices: Device[] = [ews];
  const count = plant.int(5, 14);
  for (let i = 0; i < count; i++) devices.push(makeDevice(plant, subnet, used));
  // A plant always has at least one controller of each big family, so every alert kind has a target.
  for (const protocol of ['modbus', 's7', 'dnp3'] as const) {
    if (!devices.some((d) => d.protocol === protocol && (d.role === 'PLC' || d.role === 'RTU'))) {
      devices.push(
        makeDevice(
          plant,
          subnet,
          used,
          MODELS.find((m) => m.protocol === protocol && (m.role === 'PLC' || m.role === 'RTU')),
        ),
      );
    }
  }
  const pps = plant.int(200, 3000);
  let undiscovered = [...devices];
  const queue: NewEvent[] = [];

  const controllers = (protocol: Protocol) =>
    devices.filter((d) => d.protocol === protocol && (d.role === 'PLC' || d.role === 'RTU' || d.role === 'Gateway'));
  const anyOf = (protocol: Protocol) => r.pick(controllers(protocol).length ? controllers(protocol) : devices);
  const rogue = () => `${subnet}.${r.int(251, 254)}`;

  const alert = (at: number, a: Omit<Alert, 'kind' | 'at'>): Alert => ({ kind: 'alert', at, ...a });

  const scenarios: { weight: number; make: (at: number) => NewEvent }[] = [
    {
      weight: 14,
      make: (at) => {
        const plc = anyOf('modbus');
        const register = r.pick([40001, 40002, 40010, 40100, 40125, 41001]);
        return alert(at, {
          severity: 'high',
          title: `Unauthorized Modbus write to holding register ${register}`,
          protocol: 'modbus',
          source: r.chance(0.5) ? rogue() : ews.ip,
          destination: plc.ip,
          details: `Function code 16 (Write Multiple Registers), unit id ${r.int(1, 247)}, ${r.int(1, 8)} registers from ${register}; the source is not an authorized Modbus master for ${plc.model}.`,
        });
      },
    },
    {
      weight: 6,
      make: (at) => {
        const plc = anyOf('modbus');
        return alert(at, {
          severity: 'medium',
          title: 'Modbus diagnostics request (function code 8) from unknown host',
          protocol: 'modbus',
          source: rogue(),
          destination: plc.ip,
          details: `Sub-function ${r.pick(['0x0001 Restart Communications', '0x0004 Force Listen Only Mode', '0x000A Clear Counters'])} sent to ${plc.vendor} ${plc.model}.`,
        });
      },
    },
    {
      weight: 8,
      make: (at) => {
        const plc = anyOf('s7');
        return alert(at, {
          severity: 'critical',
          title: 'S7 PLC stop command from engineering workstation',
          protocol: 's7',
          source: ews.ip,
          destination: plc.ip,
          details: `S7comm ${plc.model.includes('1500') ? 'S7comm-Plus' : 'S7comm'} function PLC Stop (0x29) outside the maintenance window; CPU went from RUN to STOP.`,
        });
      },
    },
    {
      weight: 6,
      make: (at) => {
        const plc = anyOf('s7');
        return alert(at, {
          severity: 'high',
          title: 'S7 program download to PLC',
          protocol: 's7',
          source: ews.ip,
          destination: plc.ip,
          details: `Block download of OB1 and ${r.int(2, 30)} FC/FB blocks to ${plc.model}; the project checksum changed.`,
        });
      },
    },
    {
      weight: 8,
      make: (at) => {
        const rtu = anyOf('dnp3');
        return alert(at, {
          severity: 'high',
          title: 'DNP3 cold restart request',
          protocol: 'dnp3',
          source: r.chance(0.3) ? rogue() : ews.ip,
          destination: rtu.ip,
          details: `Function code 13 (Cold Restart) to outstation ${r.int(1, 65519)} on ${rtu.vendor} ${rtu.model}.`,
        });
      },
    },
    {
      weight: 5,
      make: (at) => {
        const rtu = anyOf('dnp3');
        return alert(at, {
          severity: 'medium',
          title: 'DNP3 unsolicited response from unknown outstation',
          protocol: 'dnp3',
          source: rtu.ip,
          destination: rogue(),
          details: `Outstation address ${r.int(1, 65519)} is not in the configured list for this master.`,
        });
      },
    },
    {
      weight: 3,
      make: (at) => {
        const plc = anyOf('ethernet-ip');
        return alert(at, {
          severity: 'high',
          title: 'EtherNet/IP CIP reset service request',
          protocol: 'ethernet-ip',
          source: rogue(),
          destination: plc.ip,
          details: `CIP service 0x05 (Reset) to the Identity object of ${plc.vendor} ${plc.model}.`,
        });
      },
    },
    {
      weight: 3,
      make: (at) => {
        const rtu = anyOf('iec104');
        return alert(at, {
          severity: 'medium',
          title: 'IEC 60870-5-104 general interrogation from unauthorized master',
          protocol: 'iec104',
          source: rogue(),
          destination: rtu.ip,
          details: `C_IC_NA_1 (type 100) with common address ${r.int(1, 65534)}.`,
        });
      },
    },
    {
      weight: 2,
      make: (at) => {
        const target = anyOf('bacnet');
        return alert(at, {
          severity: 'medium',
          title: 'BACnet ReinitializeDevice request',
          protocol: 'bacnet',
          source: rogue(),
          destination: target.ip,
          details: `ReinitializeDevice (${r.pick(['coldstart', 'warmstart'])}) with a password attempt.`,
        });
      },
    },
    {
      weight: 3,
      make: (at) => {
        const hmi = anyOf('opc-ua');
        return alert(at, {
          severity: 'low',
          title: 'OPC UA anonymous session opened',
          protocol: 'opc-ua',
          source: rogue(),
          destination: hmi.ip,
          details: 'Security policy None, anonymous identity token accepted.',
        });
      },
    },
    {
      weight: 4,
      make: (at) => {
        const model = r.pick(MODELS);
        const device = makeDevice(r, subnet, used, model);
        devices.push(device);
        queue.push(report(device, at));
        return alert(at, {
          severity: 'medium',
          title: 'Unknown device appeared on the control network',
          protocol: device.protocol,
          source: device.ip,
          destination: `${subnet}.255`,
          details: `New MAC ${device.key} (${device.vendor}) answering as ${device.model}; not in the asset baseline.`,
        });
      },
    },
    {
      weight: 3,
      make: (at) => {
        const candidates = devices.filter((d) => d.role === 'PLC' || d.role === 'RTU');
        const device = r.pick(candidates.length ? candidates : devices);
        const model = MODELS.find((m) => m.model === device.model);
        const choices = (model?.firmwares ?? []).filter((f) => f !== device.firmware);
        const before = device.firmware;
        device.firmware = choices.length ? r.pick(choices) : `${before}-p${r.int(1, 9)}`;
        queue.push(report(device, at));
        return alert(at, {
          severity: 'critical',
          title: `${device.role} firmware changed from ${before} to ${device.firmware}`,
          protocol: device.protocol,
          source: ews.ip,
          destination: device.ip,
          details: `${device.vendor} ${device.model} (${device.key}) reports new firmware; no change ticket references this device.`,
        });
      },
    },
    // A device seen again (refreshes last-seen on the console).
    { weight: 10, make: (at) => report(r.pick(devices), at) },
  ];
  const totalWeight = scenarios.reduce((n, s) => n + s.weight, 0);

  return {
    next(at) {
      const queued = queue.shift();
      if (queued) return { ...queued, at };
      // Discovery first: a new sensor reports the plant it sees before it has anything to say about it.
      if (undiscovered.length) {
        const [device, ...rest] = undiscovered;
        undiscovered = rest;
        return report(device!, at);
      }
      let roll = r.next() * totalWeight;
      for (const s of scenarios) {
        roll -= s.weight;
        if (roll < 0) return s.make(at);
      }
      return scenarios[scenarios.length - 1]!.make(at);
    },
    devices: () => devices,
    packets: (elapsedMs) => Math.round((pps * elapsedMs) / 1000),
  };
}
