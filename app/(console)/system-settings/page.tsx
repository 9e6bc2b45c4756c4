import { redirect } from 'next/navigation';

export default function SystemSettingsIndex() {
  redirect('/system-settings/sensor-setup');
}
