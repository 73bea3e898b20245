import { useSession } from "../../session";
import { AlertFeedProvider } from "../../lib/alertFeed";
import { AccessLog } from "./AccessLog";
import { Alerts } from "./Alerts";
import { CoverageCalendar } from "./CoverageCalendar";
import { Devices } from "./Devices";
import { Erasure } from "./Erasure";
import { Grants } from "./Grants";
import { MyReport } from "./MyReport";
import { PatientHome } from "./PatientHome";
import { PatientStudies } from "./PatientStudies";
import { Uploaders } from "./Uploaders";

/** Everything about the signed-in account as a patient. */
export function PatientView() {
  const { wallet } = useSession();
  return (
    <AlertFeedProvider patient={wallet.address}>
    <div className="view patient" data-testid="patient-view">
      <PatientHome />
      <Alerts />
      <MyReport />
      <Devices />
      <Uploaders />
      <CoverageCalendar />
      <Grants />
      <AccessLog />
      <PatientStudies />
      <Erasure />
    </div>
    </AlertFeedProvider>
  );
}
