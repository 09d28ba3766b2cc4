export function NotYetScreen({ title }: { title: string }) {
  return (
    <div className="page">
      <h1>{title}</h1>
      <p>This screen is not part of the console yet.</p>
    </div>
  );
}
