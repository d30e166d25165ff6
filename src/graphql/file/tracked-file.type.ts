import { Field, ID, ObjectType } from "type-graphql";
import type { TrackedFile } from "../../domain/file/tracked-file.entity";
import type { Page } from "../../domain/shared/pagination";
import { DateTime, SafeInt } from "../scalars";
import { Connection } from "../shared/connection.type";

/** Fields are read from the domain entity by name; `queueItem` is a field resolver. */
@ObjectType("TrackedFile", { simpleResolvers: true })
export class TrackedFileType {
  @Field(() => ID)
  id: number;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => String, { description: "The machine the file lives on." })
  host: string;

  @Field(() => String)
  runDir: string;

  @Field(() => String, { description: "Directory of the file." })
  filePath: string;

  @Field(() => String)
  fileName: string;

  @Field(() => String, { description: "filePath joined with fileName; unique per host." })
  fullName: string;

  @Field(() => String, { description: 'Extension without the dot, lower case ("xml", "log"); "" when there is none.' })
  fileType: string;

  @Field(() => SafeInt, { description: "Bytes." })
  fileSize: number;
}

@ObjectType("TrackedFileConnection", { simpleResolvers: true })
export class TrackedFileConnection extends Connection(TrackedFileType, "TrackedFile") {
  static from(page: Page<TrackedFile>): TrackedFileConnection {
    return new TrackedFileConnection().fill(page);
  }
}
