// A granted patient's alerts for the clinician: followed live on request (each alert the relayer
// sends a grantee is checked against the grant and recorded on chain as an access, so nothing
// is followed until the clinician asks), and webhooks to the clinician's own service.
import { useState } from "react";
import { AlertFeedProvider, useAlertFeed } from "../../lib/alertFeed";
import { AlertBoard, Webhooks } from "../patient/Alerts";

export function PatientAlerts({ patient }: { patient: string }) {
  const [follow, setFollow] = useState(false);
  return (
    <section aria-labelledby="clinician-alerts-h" data-testid="clinician-alerts">
      <h3 id="clinician-alerts-h">Alerts</h3>
      {follow ? (
        <AlertFeedProvider patient={patient}>
          <AlertBoard />
          <FollowedWebhooks patient={patient} />
        </AlertFeedProvider>
      ) : (
        <>
          <p className="muted">
            Following this patient's alerts shows each one the moment the relayer raises it; each is
            an access under your grant, recorded on chain.
          </p>
          <button type="button" onClick={() => setFollow(true)} data-testid="follow-alerts">Follow this patient's alerts</button>
          <Webhooks patient={patient} alerts={0} />
        </>
      )}
    </section>
  );
}

function FollowedWebhooks({ patient }: { patient: string }) {
  const feed = useAlertFeed();
  return <Webhooks patient={patient} alerts={feed.alerts.length} />;
}
