import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** What a failed transfer may have left under `key`: the object, and open multipart uploads. */
export async function leftovers(s3: S3Client, bucket: string, key: string) {
  const object = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    (error: { name?: string }) => {
      if (error.name === 'NotFound' || error.name === 'NoSuchKey') return false;
      throw error;
    },
  );
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return {
    object,
    listedKeys: (listed.Contents ?? []).map((o) => o.Key),
    openUploads: (uploads.Uploads ?? []).map((u) => u.Key),
  };
}
