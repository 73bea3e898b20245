import { Async } from "../../components/Async";
import { allStudies } from "../../lib/studies";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";
import { CreateStudy } from "./CreateStudy";
import { StudyCard } from "./StudyCard";

/** A sponsor's studies: create and fund, top up, pool state, members, withdraw the rest, and each
 * study's datasets (the manifests on chain; export, save and verify). */
export function SponsorView() {
  const { queries, wallet, version } = useSession();
  const [state] = useAsync(async () => (await allStudies(queries)).filter((s) => s.study.sponsor === wallet.address), `${wallet.address}:${version}`);
  return (
    <div className="view sponsor" data-testid="sponsor-view">
      <CreateStudy />
      <section aria-labelledby="mystudies-h" data-testid="my-studies">
        <h2 id="mystudies-h">My studies</h2>
        <Async state={state} what="your studies" isEmpty={(s) => s.length === 0} empty="You sponsor no study yet.">
          {(studies) => <>{[...studies].reverse().map((s) => <StudyCard key={s.study.id} s={s} />)}</>}
        </Async>
      </section>
    </div>
  );
}
