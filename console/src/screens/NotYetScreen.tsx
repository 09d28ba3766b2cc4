export function NotYetScreen({ title }: { title: string }) {
  return (
    <div className="page">
      <h1>{title}</h1>
      <p>There is no such page here.</p>
    </div>
  );
}
