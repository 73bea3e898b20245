import { AccessLog } from "./AccessLog";
import { CoverageCalendar } from "./CoverageCalendar";
import { Devices } from "./Devices";
import { Erasure } from "./Erasure";
import { Grants } from "./Grants";
import { PatientHome } from "./PatientHome";
import { PatientStudies } from "./PatientStudies";
import { Uploaders } from "./Uploaders";

/** Everything about the signed-in account as a patient. */
export function PatientView() {
  return (
    <div className="view patient" data-testid="patient-view">
      <PatientHome />
      <Devices />
      <Uploaders />
      <CoverageCalendar />
      <Grants />
      <AccessLog />
      <PatientStudies />
      <Erasure />
    </div>
  );
}
