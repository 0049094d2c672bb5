/** An error beside the field or the buttons it is about; announced once. */
export default function Problem({ id, message }: { id?: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span id={id} className="problem" role="alert">
      {message}
    </span>
  );
}
