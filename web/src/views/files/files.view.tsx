import { useState, type FormEvent } from "react";
import { useQuery } from "../../api/hooks";
import { Field } from "../../components/field";
import { Pager, useCursorPager } from "../../components/pager";
import { EmptyState, ErrorState, Loading } from "../../components/states";
import { FileListDocument, type FileFilter } from "../../generated/graphql";
import { formatBytes, formatDateTime } from "../../format";
import { optionalText } from "../../forms";
import { Link } from "../../router";

export const FILE_PAGE_SIZE = 50;

const EMPTY = { host: "", runDir: "", fileType: "" };

/** Tracked files, newest first, filtered by host, run directory and type (applied on submit: host and runDir are exact matches). */
export function FilesView() {
  const [draft, setDraft] = useState(EMPTY);
  const [applied, setApplied] = useState(EMPTY);
  const filter: FileFilter = {
    host: optionalText(applied.host),
    runDir: optionalText(applied.runDir),
    // The contract's fileType has no dot; people type ".xml" too.
    fileType: optionalText(applied.fileType.replace(/^\./, "")),
  };
  const filtered = Object.values(filter).some((v) => v !== null);
  const pager = useCursorPager(JSON.stringify(filter));
  const { data, error, loading, refetch } = useQuery(FileListDocument, { first: FILE_PAGE_SIZE, after: pager.after, filter });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
  };
  const set = (key: keyof typeof EMPTY) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value }));

  return (
    <section aria-labelledby="files-title">
      <h1 id="files-title">Files</h1>
      <form className="toolbar filters" onSubmit={onSubmit} aria-label="Filter files">
        <Field path="host" label="Host" value={draft.host} onChange={set("host")} />
        <Field path="runDir" label="Run directory" value={draft.runDir} onChange={set("runDir")} />
        <Field path="fileType" label="Type" value={draft.fileType} onChange={set("fileType")} placeholder="xml" />
        <div className="actions">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(EMPTY);
              setApplied(EMPTY);
            }}
            disabled={!filtered && draft === EMPTY}
          >
            Clear
          </button>
        </div>
      </form>
      {error ? (
        <ErrorState error={error} onRetry={refetch} />
      ) : loading || !data ? (
        <Loading label="files" />
      ) : data.files.edges.length === 0 ? (
        <EmptyState title={filtered ? "No file matches these filters." : "No files are tracked yet."}>
          {!filtered && (
            <p>
              Files are registered when a worker processes a run, or with <code>dashql scan</code>.
            </p>
          )}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Tracked files, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Host</th>
                  <th scope="col">Run directory</th>
                  <th scope="col">Type</th>
                  <th scope="col" className="num">
                    Size
                  </th>
                  <th scope="col">Registered</th>
                  <th scope="col">Run</th>
                </tr>
              </thead>
              <tbody>
                {data.files.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <th scope="row" className="path" title={node.fullName}>
                      {node.fullName}
                    </th>
                    <td>{node.host}</td>
                    <td className="path">{node.runDir}</td>
                    <td>{node.fileType || "—"}</td>
                    <td className="num" title={`${node.fileSize} bytes`}>
                      {formatBytes(node.fileSize)}
                    </td>
                    <td>{formatDateTime(node.createdAt)}</td>
                    <td>{node.queueItem ? <Link to={`/runs/${node.queueItem.id}`}>#{node.queueItem.id}</Link> : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={pager.page}
            hasNextPage={data.files.pageInfo.hasNextPage}
            totalCount={data.files.totalCount}
            noun={["file", "files"]}
            onNext={() => pager.next(data.files.pageInfo.endCursor)}
            onPrevious={pager.previous}
          />
        </>
      )}
    </section>
  );
}
