/** Operations: every projection's state, position and lag; start, follow and stop a rebuild. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok, type ResponseOf } from '../api/client';
import { ErrorMessage, Loading, Section } from '../components/ui';
import { WriteError, useWriteForm } from '../components/forms';

type Projections = ResponseOf<'/api/v1/projections'>;
type ProjectionRow = Projections['items'][number];
type Job = NonNullable<ProjectionRow['rebuildJob']>;

export function OperationsScreen() {
  // One request follows every projection and its rebuild: every second while a rebuild runs, else every few.
  const projections = useQuery({
    queryKey: ['projections'],
    refetchInterval: (query) => ((query.state.data as Projections | undefined)?.items.some((row) => row.rebuildJob?.state === 'running') ? 1_000 : 3_000),
    queryFn: (): Promise<Projections> => ok(api.GET('/api/v1/projections')),
  });
  const rows: ProjectionRow[] = projections.data?.items ?? [];
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
                      <Rebuild name={row.name} job={row.rebuildJob} />
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

function Rebuild({ name, job: current }: { name: string; job: Job | null }) {
  const queryClient = useQueryClient();
  const form = useWriteForm();
  const running = current?.state === 'running';
  const progress = current?.progress;
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['projections'] });
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
