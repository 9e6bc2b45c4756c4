'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const SECTIONS = [
  { href: '/system-settings/general', label: 'General' },
  { href: '/system-settings/sensor-setup', label: 'Sensor Setup' },
  { href: '/system-settings/high-availability', label: 'High Availability' },
  { href: '/system-settings/activation', label: 'Activation' },
  { href: '/system-settings/backups', label: 'Backups' },
  { href: '/system-settings/networking', label: 'Networking' },
  { href: '/system-settings/time', label: 'Time' },
  { href: '/system-settings/certificates', label: 'SSL/TLS Certificates' },
  { href: '/system-settings/users', label: 'Users' },
  { href: '/system-settings/export', label: 'Export' },
  { href: '/system-settings/sessions', label: 'Sessions' },
];

export function SettingsNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="System Settings" className="flex flex-col gap-1 text-sm">
      {SECTIONS.map((s) => (
        <Link
          key={s.href}
          href={s.href}
          aria-current={pathname.startsWith(s.href) ? 'page' : undefined}
          className="rounded-md px-3 py-2 text-slate-700 hover:bg-slate-200 aria-[current=page]:bg-sky-100 aria-[current=page]:font-medium aria-[current=page]:text-sky-900"
        >
          {s.label}
        </Link>
      ))}
    </nav>
  );
}
