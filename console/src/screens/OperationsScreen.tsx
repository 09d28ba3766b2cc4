/** Operations: every projection's state, position and lag; start, follow and stop a rebuild. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok, type ResponseOf } from '../api/client';
import { ErrorMessage, Loading, Section } from '../components/ui';
import { WriteError, useWriteForm } from '../components/forms';

type Projections = ResponseOf<'/api/v1/projections'>;
type Job = ResponseOf<'/api/v1/projections/{name}/rebuild'>;

interface ProjectionRow {
  name: string;
  codeVersion: number;
  activeVersion: number;
  state: string;
  caughtUp: boolean;
  eventsBehind: number;
  eventsBehindAtLeast: boolean;
  eventsProcessed?: number;
  position: string | null;
  error?: string;
}

export function OperationsScreen() {
  const projections = useQuery({ queryKey: ['projections'], refetchInterval: 2_000, queryFn: (): Promise<Projections> => ok(api.GET('/api/v1/projections')) });
  const rows = (projections.data?.items ?? []) as ProjectionRow[];
  return (
    <div className="page">
      <h1>Operations</h1>
      <Section title="Projections" id="projections">
        {projections.isPending ? (
          <Loading />
        ) : projections.isError ? (
          <ErrorMessage error={projections.error} retry={() => void projections.refetch()} />
        ) : (
          <div className="table-wrap" role="region" aria-label="Projections" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Projection</th>
                  <th scope="col">Version</th>
                  <th scope="col">State</th>
                  <th scope="col" className="num">
                    Events behind
                  </th>
                  <th scope="col">Rebuild</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.name}>
                    <th scope="row">{row.name}</th>
                    <td>
                      {row.activeVersion}
                      {row.codeVersion !== row.activeVersion ? ` (code ${row.codeVersion})` : ''}
                    </td>
                    <td>
                      {row.state}
                      {row.error ? `: ${row.error}` : ''}
                    </td>
                    <td className="num">
                      {row.eventsBehind}
                      {row.eventsBehindAtLeast ? '+' : ''}
                    </td>
                    <td>
                      <Rebuild name={row.name} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </div>
  );
}

function Rebuild({ name }: { name: string }) {
  const queryClient = useQueryClient();
  const form = useWriteForm();
  const job = useQuery({
    queryKey: ['rebuild', name],
    retry: false,
    // Follow a running rebuild every second; otherwise look again now and then.
    refetchInterval: (query) => ((query.state.data as { state?: string } | undefined)?.state === 'running' ? 1_000 : 10_000),
    queryFn: async (): Promise<Job | null> => {
      const { data, response } = await api.GET('/api/v1/projections/{name}/rebuild', { params: { path: { name } } });
      return response.status === 404 ? null : (data as Job);
    },
  });
  const current = job.data as { state: string; progress?: { eventsDone: number; totalEstimate: number | null; eventsPerSecond: number; phase: string }; error?: string } | null | undefined;
  const running = current?.state === 'running';
  const progress = current?.progress;
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['rebuild', name] });
  return (
    <div className="rebuild">
      {current && (
        <div>
          <span>
            {current.state}
            {progress ? ` · ${progress.phase}` : ''}
            {current.error ? `: ${current.error}` : ''}
          </span>
          {progress && (
            <>
              <progress max={progress.totalEstimate ?? undefined} value={progress.eventsDone} aria-label={`Rebuild of ${name}`} />
              <span className="muted">
                {progress.eventsDone}
                {progress.totalEstimate ? ` / ${progress.totalEstimate}` : ''} events, {Math.round(progress.eventsPerSecond)}/s
              </span>
            </>
          )}
        </div>
      )}
      {running ? (
        <button type="button" disabled={form.busy} onClick={form.submit(() => ok(api.DELETE('/api/v1/projections/{name}/rebuild', { params: { path: { name } } })), refresh)}>
          Stop rebuild of {name}
        </button>
      ) : (
        <button type="button" disabled={form.busy} onClick={form.submit(() => ok(api.POST('/api/v1/projections/{name}/rebuild', { params: { path: { name } }, body: {} })), refresh)}>
          Rebuild {name}
        </button>
      )}
      <WriteError form={form} />
    </div>
  );
}
