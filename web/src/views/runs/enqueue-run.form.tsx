import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { useMutation } from "../../api/hooks";
import { useSession } from "../../auth/session";
import { ErrorSummary, Field } from "../../components/field";
import { optionalText, splitErrors } from "../../forms";
import { EnqueueRunDocument, type EnqueueRunMutation } from "../../generated/graphql";

const LABELS: Record<string, string> = {
  runDir: "Run directory",
  owner: "Owner",
  host: "Host",
  site: "Site",
  runTag: "Run tag",
  userTag: "User tag",
};

export interface EnqueueRunFormProps {
  /** Called with the queued item (a run already QUEUED or RUNNING returns its existing item). */
  onEnqueued: (item: EnqueueRunMutation["enqueueRuns"][number]) => void;
}

/** Enqueues one run; a worker (`dashql work`) picks it up, parses its JUnit files and registers them. */
export function EnqueueRunForm({ onEnqueued }: EnqueueRunFormProps) {
  const { me } = useSession();
  const [enqueue, { running }] = useMutation(EnqueueRunDocument);
  const [values, setValues] = useState({ runDir: "", owner: me.username, host: "", site: "", runTag: "", userTag: "" });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [done, setDone] = useState<string | undefined>();

  const set = (key: keyof typeof values) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value }));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const local: Record<string, string> = {};
    if (!values.runDir.trim()) local.runDir = "Enter the run's directory.";
    if (!values.owner.trim()) local.owner = "Enter who owns the run.";
    setFieldErrors(local);
    setFormErrors([]);
    if (Object.keys(local).length > 0) return;
    try {
      const { enqueueRuns } = await enqueue({
        run: {
          runDir: values.runDir.trim(),
          owner: values.owner.trim(),
          host: optionalText(values.host),
          site: optionalText(values.site),
          runTag: optionalText(values.runTag),
          userTag: optionalText(values.userTag),
        },
      });
      const item = enqueueRuns[0];
      setDone(`Run #${item.id} (${item.runDir}) is ${item.status}.`);
      setValues((v) => ({ ...v, runDir: "" }));
      onEnqueued(item);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const split = splitErrors(error, "runs[0].");
      setFieldErrors(split.fieldErrors);
      setFormErrors(split.formErrors);
    }
  };

  return (
    <form onSubmit={onSubmit} noValidate className="card stack" aria-labelledby="enqueue-title">
      <h2 id="enqueue-title">Enqueue a run</h2>
      <ErrorSummary fieldErrors={fieldErrors} formErrors={formErrors} labelOf={(p) => LABELS[p] ?? p} />
      <Field
        path="runDir"
        label="Run directory"
        required
        value={values.runDir}
        onChange={set("runDir")}
        error={fieldErrors.runDir}
        placeholder="/data/runs/2024-06-01"
        hint="Scanned by the worker for JUnit XML files."
      />
      <div className="row">
        <Field path="owner" label="Owner" required value={values.owner} onChange={set("owner")} error={fieldErrors.owner} />
        <Field path="host" label="Host" value={values.host} onChange={set("host")} error={fieldErrors.host} />
        <Field path="site" label="Site" value={values.site} onChange={set("site")} error={fieldErrors.site} />
      </div>
      <div className="row">
        <Field path="runTag" label="Run tag" value={values.runTag} onChange={set("runTag")} error={fieldErrors.runTag} placeholder="Development" />
        <Field path="userTag" label="User tag" value={values.userTag} onChange={set("userTag")} error={fieldErrors.userTag} />
      </div>
      <div className="actions">
        <button type="submit" disabled={running}>
          {running ? "Enqueueing…" : "Enqueue run"}
        </button>
        {done && (
          <p className="success" role="status">
            {done}
          </p>
        )}
      </div>
    </form>
  );
}
