import { Link, useParams } from "react-router-dom";
import { TraceView } from "../components/TraceView";
import { CopyButton } from "../components/CopyButton";
import { useUrlParams } from "../hooks/useUrlState";
import { useShortcuts } from "../hooks/useShortcuts";
import { useProject } from "../session";

export default function TracePage() {
  const { api, url } = useProject();
  const { traceId = "" } = useParams();
  const [params, update] = useUrlParams();
  const spanId = params.get("span");
  useShortcuts({ Escape: () => update({ span: null }) });
  return (
    <div className="trace-page">
      <div className="panel-head">
        <strong>Trace</strong> <span className="mono">{traceId}</span> <CopyButton text={traceId} testId="copy-trace-id-page" />
        <span className="spacer" />
        <Link to={url("live")}>Back to live</Link>
      </div>
      <TraceView
        api={api}
        traceId={traceId.toLowerCase()}
        selectedSpanId={spanId}
        onSelectSpan={(id) => update({ span: id })}
        traceUrl={(t, s) => url(`trace/${t}${s ? `?span=${s}` : ""}`)}
      />
    </div>
  );
}
