import type { DeviceRegistryTypes } from "@diachain/client";
import { Async } from "../../components/Async";
import { allPages } from "../../lib/chain";
import { Time } from "../../components/Time";
import { formatNs } from "../../lib/format";
import { useTimeZone } from "../../lib/timezone";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";

type Device = DeviceRegistryTypes.Device;

export function deviceStatus(s: DeviceRegistryTypes.DeviceStatus, zone: string): { label: string; tone: "ok" | "warn" | "bad" } {
  if (s === "active") return { label: "active", tone: "ok" };
  if ("suspended" in s) return { label: `suspended since ${formatNs(s.suspended.since, zone)} by ${s.suspended.by} (${s.suspended.reason.replace(/_/g, " ")})`, tone: "warn" };
  return { label: `revoked from ${formatNs(s.revoked.effective_at, zone)} (${s.revoked.reason})`, tone: "bad" };
}

export function Devices() {
  const { queries, wallet, version } = useSession();
  const zone = useTimeZone();
  const [state] = useAsync(
    () => allPages<Device, string>((after) => queries.registry.devicesByOwner({ owner: wallet.address, startAfter: after, limit: 100 }), (d) => d.id),
    `${wallet.address}:${version}`,
  );
  return (
    <section aria-labelledby="devices-h" data-testid="devices">
      <h2 id="devices-h">My devices</h2>
      <Async state={state} what="your devices" isEmpty={(d) => d.length === 0} empty="No device is bound to this account.">
        {(devices) => (
          <table className="stack">
            <thead>
              <tr><th>Device</th><th>Kind</th><th>Model</th><th>Key</th><th>Yours since</th><th>Status</th></tr>
            </thead>
            <tbody>
              {devices.map((d) => {
                const st = deviceStatus(d.status, zone);
                return (
                  <tr key={d.id}>
                    <td data-label="Device"><code>{d.id}</code></td>
                    <td data-label="Kind">{d.kind}</td>
                    <td data-label="Model">{d.model}</td>
                    <td data-label="Key">{d.public_key.algorithm}{d.key_custody === "relayer" ? " (held by the relayer)" : ""}</td>
                    <td data-label="Yours since"><Time ns={d.owner_since} /></td>
                    <td data-label="Status"><span className={`badge ${st.tone}`}>{st.label}</span></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}
